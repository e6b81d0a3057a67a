// The demo's tally and chart: windowed shares, totals, failures, percentages that add up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderChart, renderSummaryLine, roundShares } from './chart.ts';
import { Tally } from './tally.ts';
import { versionOf } from './traffic.ts';

test('the tally keeps totals and a sliding window per kind of request', () => {
  const t = new Tally(10);
  for (let i = 0; i < 10; i++) t.record({ cls: 'normal', version: 'v1' });
  for (let i = 0; i < 5; i++) t.record({ cls: 'normal', version: 'v2' });
  t.record({ cls: 'beta', version: 'v2' });
  t.record({ cls: 'beta', version: null });
  const n = t.counts('normal');
  assert.deepEqual([...n.total], [['v1', 10], ['v2', 5]]);
  assert.deepEqual([...n.window].sort(), [['v1', 5], ['v2', 5]]);
  assert.equal(n.windowSize, 10);
  assert.equal(t.counts('beta').errors, 1);
  assert.equal(t.succeeded, 16);
  assert.equal(t.failed, 1);
});

test('percentages are whole and add up to 100', () => {
  assert.deepEqual(roundShares([0, 0]), [0, 0]);
  assert.deepEqual(roundShares([180, 20]), [90, 10]);
  assert.deepEqual(roundShares([182, 18]), [91, 9]);
  assert.deepEqual(roundShares([1, 1, 1]), [34, 33, 33]);
  assert.deepEqual(roundShares([0, 7]), [0, 100]);
});

test('the chart: one bar per version and kind, shares of the window, totals', () => {
  const t = new Tally(100);
  for (let i = 0; i < 90; i++) t.record({ cls: 'normal', version: 'v1' });
  for (let i = 0; i < 10; i++) t.record({ cls: 'normal', version: 'v2' });
  for (let i = 0; i < 25; i++) t.record({ cls: 'beta', version: 'v2' });
  const lines = renderChart(t, { width: 10 });
  assert.deepEqual(lines, [
    '  normal requests   v1  █████████░  90%   (90)',
    '                    v2  █░░░░░░░░░  10%   (10)',
    '  user-type: beta   v1  ░░░░░░░░░░   0%   (0)',
    '                    v2  ██████████ 100%   (25)',
    '  125 requests, 0 failed · bars: the last 100 of each kind · (totals)',
  ]);
  assert.ok(renderChart(t, { width: 10, color: true })[0]!.includes('\u001b[34m█████████\u001b[0m░'));
  assert.equal(renderSummaryLine(t), 'normal v1 90% v2 10% · beta v2 100% · 125 requests, 0 failed');
});

test('a version nobody expected still gets its bar', () => {
  const t = new Tally();
  t.record({ cls: 'normal', version: 'v3' });
  assert.ok(renderChart(t).some((l) => / v3 .*100%/.test(l)));
});

test('the answering version is order-service\'s, read from api-gateway\'s answer', () => {
  assert.equal(versionOf(JSON.stringify({ order: {}, servedBy: { service: 'order-service', version: 'v2' }, gateway: { service: 'api-gateway', version: 'v1' } })), 'v2');
  assert.equal(versionOf(JSON.stringify({ servedBy: { service: 'api-gateway', version: 'v1' } })), null);
  assert.equal(versionOf('<html>'), null);
});
