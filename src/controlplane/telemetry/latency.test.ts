import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATENCY_BUCKETS_MS, latencyBucket } from '../../model/telemetry-report.ts';
import { emptyBuckets, mergeBuckets, quantile } from './latency.ts';

test('latencyBucket: the first bound at or above the value; above the last, +Inf', () => {
  assert.equal(latencyBucket(0), 0);
  assert.equal(latencyBucket(0.5), 0);
  assert.equal(latencyBucket(0.6), 1);
  assert.equal(latencyBucket(7), 3); // (5, 10]
  assert.equal(latencyBucket(3_600_000), LATENCY_BUCKETS_MS.length - 1);
  assert.equal(latencyBucket(4_000_000), LATENCY_BUCKETS_MS.length);
});

test('quantile: linear inside the bucket, like histogram_quantile', () => {
  const b = emptyBuckets();
  // 100 observations in (10, 25]: p50 is halfway through that bucket, p99 near its top.
  b[latencyBucket(20)] = 100;
  assert.equal(quantile(b, 0.5), 17.5);
  assert.equal(quantile(b, 0.99), 10 + 15 * 0.99);
  assert.equal(quantile(emptyBuckets(), 0.5), null);
});

test('merged histograms of two sidecars give the percentiles of the union', () => {
  // Sidecar A: 90 fast requests (≤ 5 ms); sidecar B: 10 slow ones in (250, 500]. Sparse reports, trailing zeros left out.
  const a = [0, 0, 90];
  const bReport = emptyBuckets();
  bReport[latencyBucket(300)] = 10;
  const merged = emptyBuckets();
  mergeBuckets(merged, a);
  mergeBuckets(merged, bReport);
  assert.equal(merged.reduce((x, y) => x + y, 0), 100);
  const p50 = quantile(merged, 0.5)!;
  assert.ok(p50 > 1 && p50 <= 5, `p50 ${p50}`);
  // Rank 95 is the 5th of the 10 slow ones: halfway through (250, 500].
  assert.equal(quantile(merged, 0.95), 375);
  assert.equal(quantile(merged, 0.99), 250 + 250 * 0.9);
  // Everything above the last bound: the last finite bound, an upper estimate.
  const inf = emptyBuckets();
  inf[LATENCY_BUCKETS_MS.length] = 3;
  assert.equal(quantile(inf, 0.5), LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]);
});
