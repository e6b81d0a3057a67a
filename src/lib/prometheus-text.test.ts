// The Prometheus text format pieces: escaping, label sets, histogram lines and bucket choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, ISTIO_BUCKETS, bucketIndex, escapeHelp, escapeLabelValue, familyHeader, formatValue, histogramLines, labelSet, parseSamples, sample, withLabel } from './prometheus-text.ts';

test('label values escape backslash, quote and line feed, and nothing else', () => {
  assert.equal(escapeLabelValue('plain-value_1.2'), 'plain-value_1.2');
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.equal(escapeLabelValue('tab\there'), 'tab\there');
});

test('HELP escapes backslash and line feed but not quotes', () => {
  assert.equal(escapeHelp('say "hi"\\now\nnext'), 'say "hi"\\\\now\\nnext');
});

test('values: integers plainly, the infinities and NaN by name', () => {
  assert.equal(formatValue(3), '3');
  assert.equal(formatValue(0.25), '0.25');
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(-Infinity), '-Inf');
  assert.equal(formatValue(NaN), 'NaN');
});

test('label sets keep the given order and quote each value', () => {
  assert.equal(labelSet([], []), '');
  assert.equal(labelSet(['a', 'b'], ['x', 'y"z']), '{a="x",b="y\\"z"}');
  assert.equal(withLabel('{a="x"}', 'le', '5'), '{a="x",le="5"}');
  assert.equal(withLabel('', 'le', '+Inf'), '{le="+Inf"}');
});

test('a family header and a sample line', () => {
  assert.equal(familyHeader('m_total', 'counter', 'Things.'), '# HELP m_total Things.\n# TYPE m_total counter\n');
  assert.equal(sample('m_total', '{a="b"}', 7), 'm_total{a="b"} 7\n');
});

test("Istio's buckets are Envoy's defaults, 0.5 ms to 1 h", () => {
  assert.deepEqual(ISTIO_BUCKETS, [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000]);
});

test('an observation lands in the first bucket whose bound is ≥ it (le is inclusive), past the last in +Inf', () => {
  assert.equal(bucketIndex(ISTIO_BUCKETS, 0), 0);
  assert.equal(bucketIndex(ISTIO_BUCKETS, 0.5), 0);
  assert.equal(bucketIndex(ISTIO_BUCKETS, 0.6), 1);
  assert.equal(bucketIndex(ISTIO_BUCKETS, 25), 4);
  assert.equal(bucketIndex(ISTIO_BUCKETS, 26), 5);
  assert.equal(bucketIndex(ISTIO_BUCKETS, 4_000_000), ISTIO_BUCKETS.length);
});

test('histogram lines are cumulative, end with +Inf, _sum and _count', () => {
  const h = new Histogram([1, 5]);
  for (const v of [0.5, 3, 3, 9]) h.observe(v);
  assert.equal(h.lines('d', '{x="y"}'), [
    'd_bucket{x="y",le="1"} 1',
    'd_bucket{x="y",le="5"} 3',
    'd_bucket{x="y",le="+Inf"} 4',
    'd_sum{x="y"} 15.5',
    'd_count{x="y"} 4',
    '',
  ].join('\n'));
  assert.equal(histogramLines('e', '', [10], [0, 0], 0), 'e_bucket{le="10"} 0\ne_bucket{le="+Inf"} 0\ne_sum 0\ne_count 0\n');
});

test('parseSamples reads back what the writers produce, escapes included', () => {
  const text = familyHeader('m', 'counter', 'x') + sample('m', labelSet(['a', 'b'], ['q"\\\n', '']), 2) + histogramLines('h', '', [1], [1, 0], 0.5);
  assert.deepEqual(parseSamples(text), [
    { name: 'm', labels: { a: 'q"\\\n', b: '' }, value: 2 },
    { name: 'h_bucket', labels: { le: '1' }, value: 1 },
    { name: 'h_bucket', labels: { le: '+Inf' }, value: 1 },
    { name: 'h_sum', labels: {}, value: 0.5 },
    { name: 'h_count', labels: {}, value: 1 },
  ]);
  assert.throws(() => parseSamples('m{a="x} 1'), /bad label set|not a sample/);
});
