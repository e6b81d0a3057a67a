// Latency percentiles from merged histograms (Istio's buckets), computed as Prometheus's histogram_quantile does: linear within the bucket the rank falls in.
import { LATENCY_BUCKETS_MS } from '../../model/telemetry-report.ts';

/** Adds `from` (counts per bucket, trailing zeros possibly left out) into `into` (full length). */
export function mergeBuckets(into: number[], from: readonly number[]): void {
  const n = Math.min(from.length, into.length);
  for (let i = 0; i < n; i++) into[i]! += from[i]!;
}

export function emptyBuckets(): number[] {
  return new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
}

/**
 * The q-quantile (0 < q < 1) in ms, or null when there are no observations. The first bucket's
 * lower bound is 0; a rank in the +Inf bucket answers the highest finite bound, as Prometheus
 * does, so the figure is an upper estimate there.
 */
export function quantile(buckets: readonly number[], q: number): number | null {
  let total = 0;
  for (const c of buckets) total += c;
  if (total === 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < buckets.length; i++) {
    const c = buckets[i]!;
    if (c > 0 && cum + c >= rank) {
      if (i >= LATENCY_BUCKETS_MS.length) return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
      const upper = LATENCY_BUCKETS_MS[i]!;
      return lower + (upper - lower) * ((rank - cum) / c);
    }
    cum += c;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
}
