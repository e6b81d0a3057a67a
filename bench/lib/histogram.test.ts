// Tests of the benchmark's histogram: bucket layout, percentile accuracy, merge and wire form, median.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, bitLength, bucketIndex, bucketRange, median } from './histogram.ts';

test('bitLength is exact around powers of two, including beyond 32 bits', () => {
  assert.equal(bitLength(0), 0);
  assert.equal(bitLength(1), 1);
  assert.equal(bitLength(2047), 11);
  assert.equal(bitLength(2048), 12);
  for (const e of [31, 32, 40, 47]) {
    assert.equal(bitLength(2 ** e), e + 1);
    assert.equal(bitLength(2 ** e - 1), e);
  }
});

test('every value falls in the bucket whose range holds it, and buckets are at most 0.1 % wide', () => {
  for (const v of [0, 1, 2047, 2048, 2049, 4095, 4096, 123_456, 999_999_999, 2 ** 40 + 12345]) {
    const [lo, hi] = bucketRange(bucketIndex(v));
    assert.ok(lo <= v && v <= hi, `${v} not in [${lo}, ${hi}]`);
    assert.ok(hi - lo <= Math.max(0, v / 1024), `bucket of ${v} is ${hi - lo} wide`);
  }
  assert.ok(bucketIndex(2049) > bucketIndex(2048) || bucketRange(bucketIndex(2048))[1] >= 2049);
});

test('percentiles of 1..10000 µs are within 0.1 %', () => {
  const h = new Histogram();
  for (let i = 1; i <= 10_000; i++) h.record(i * 1000);
  const s = h.summary();
  assert.equal(s.count, 10_000);
  for (const [got, want] of [[s.p50Us, 5000], [s.p90Us, 9000], [s.p99Us, 9900], [s.p999Us, 9990]] as const) {
    assert.ok(Math.abs(got - want) / want < 0.001, `got ${got}, want ${want}`);
  }
  assert.equal(s.minUs, 1);
  assert.equal(s.maxUs, 10_000);
  assert.ok(Math.abs(s.meanUs - 5000.5) < 1e-6);
});

test('a percentile is clamped to the exact extremes and NaN when empty', () => {
  const h = new Histogram();
  assert.ok(Number.isNaN(h.percentile(50)));
  h.record(5_000_123);
  assert.equal(h.percentile(0), 5_000_123);
  assert.equal(h.percentile(100), 5_000_123);
  h.record(-5);
  assert.equal(h.percentile(0), 0, 'negative values count as 0');
});

test('a stall in 1 % of the samples shows at p99, not at p50', () => {
  const h = new Histogram();
  for (let i = 0; i < 990; i++) h.record(200_000);
  for (let i = 0; i < 10; i++) h.record(50_000_000);
  assert.ok(Math.abs(h.percentile(50) - 200_000) < 200);
  assert.ok(Math.abs(h.percentile(99) - 200_000) < 200);
  assert.ok(Math.abs(h.percentile(99.5) - 50_000_000) < 50_000);
});

test('merge and the wire form keep counts, extremes and sums', () => {
  const a = new Histogram();
  const b = new Histogram();
  for (let i = 0; i < 100; i++) a.record(1000 + i);
  for (let i = 0; i < 300; i++) b.record(1_000_000 + i * 10);
  const wire = JSON.parse(JSON.stringify(b.toWire()));
  a.merge(wire);
  assert.equal(a.count, 400);
  const c = Histogram.fromWire(a.toWire());
  assert.deepEqual(c.summary(), a.summary());
  assert.equal(c.summary().minUs, 1);
  assert.ok(c.percentile(25) < 2000 && c.percentile(26) > 999_000);
  a.merge(new Histogram());
  assert.equal(a.count, 400, 'merging an empty histogram changes nothing');
});

test('median of odd, even and NaN-holding lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([Number.NaN, 7]), 7);
  assert.ok(Number.isNaN(median([])));
});
