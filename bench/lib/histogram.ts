// An HDR-style log-linear histogram of latencies in nanoseconds: percentiles within 0.1 %, merge, and a compact wire form.
/*
 * Layout (S = 2^SUB_BITS sub-buckets per power of two):
 *
 *   value v < 2S            → index v                         (exact)
 *   value v ≥ 2S            → shift = bitLength(v) − (SUB_BITS + 1) ≥ 1, top = ⌊v / 2^shift⌋ ∈ [S, 2S)
 *                             index = 2S + (shift − 1)·S + (top − S)
 *
 * So every bucket is at most 1/S of its value wide: with SUB_BITS = 10 the relative error of a
 * reported percentile is below 0.1 %, whatever the magnitude (1 µs or 10 s), in a fixed array.
 */

const SUB_BITS = 10;
const S = 2 ** SUB_BITS;
/** Values up to 2^(SUB_BITS + 1 + MAX_SHIFT) ns ≈ 4.6 hours; larger values are clamped (and counted). */
const MAX_SHIFT = 33;
const BUCKETS = 2 * S + MAX_SHIFT * S;

export interface LatencySummary {
  readonly count: number;
  /** All in microseconds. */
  readonly minUs: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
}

/** Sparse [index, count] pairs plus the exact extremes: what a child process sends to its parent. */
export interface HistogramWire {
  readonly buckets: readonly (readonly [number, number])[];
  readonly minNs: number;
  readonly maxNs: number;
  readonly sumNs: number;
}

export function bitLength(v: number): number {
  if (v < 1) return 0;
  let e = Math.floor(Math.log2(v));
  // Math.log2 can be off by one near exact powers of two for large values.
  if (2 ** e > v) e -= 1;
  if (2 ** (e + 1) <= v) e += 1;
  return e + 1;
}

export function bucketIndex(valueNs: number): number {
  const v = Math.max(0, Math.floor(valueNs));
  if (v < 2 * S) return v;
  const shift = bitLength(v) - (SUB_BITS + 1);
  if (shift > MAX_SHIFT) return BUCKETS - 1;
  const top = Math.floor(v / 2 ** shift);
  return 2 * S + (shift - 1) * S + (top - S);
}

/** The [lowest, highest] value (ns) that falls in bucket `index`. */
export function bucketRange(index: number): readonly [number, number] {
  if (index < 2 * S) return [index, index];
  const shift = Math.floor((index - 2 * S) / S) + 1;
  const top = S + ((index - 2 * S) % S);
  const lo = top * 2 ** shift;
  return [lo, lo + 2 ** shift - 1];
}

export class Histogram {
  #counts = new Float64Array(BUCKETS);
  #count = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;
  #sum = 0;

  get count(): number { return this.#count; }

  record(valueNs: number): void {
    const v = valueNs > 0 ? valueNs : 0;
    this.#counts[bucketIndex(v)]! += 1;
    this.#count += 1;
    this.#sum += v;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /**
   * The value at percentile `p` (0–100), in ns: the smallest recorded bucket whose cumulative
   * count reaches ⌈p/100 · n⌉, reported at the bucket's midpoint and clamped to the exact min/max.
   * NaN when empty.
   */
  percentile(p: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) {
        const [lo, hi] = bucketRange(i);
        return Math.min(this.#max, Math.max(this.#min, (lo + hi) / 2));
      }
    }
    return this.#max;
  }

  merge(other: Histogram | HistogramWire): void {
    const wire = other instanceof Histogram ? other.toWire() : other;
    let added = 0;
    for (const [i, c] of wire.buckets) {
      this.#counts[i]! += c;
      added += c;
    }
    if (added === 0) return;
    this.#count += added;
    this.#sum += wire.sumNs;
    if (wire.minNs < this.#min) this.#min = wire.minNs;
    if (wire.maxNs > this.#max) this.#max = wire.maxNs;
  }

  toWire(): HistogramWire {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i]! > 0) buckets.push([i, this.#counts[i]!]);
    return { buckets, minNs: this.#count === 0 ? 0 : this.#min, maxNs: this.#max, sumNs: this.#sum };
  }

  static fromWire(wire: HistogramWire): Histogram {
    const h = new Histogram();
    h.merge(wire);
    return h;
  }

  summary(): LatencySummary {
    const us = (ns: number): number => ns / 1000;
    return {
      count: this.#count,
      minUs: this.#count === 0 ? Number.NaN : us(this.#min),
      meanUs: this.#count === 0 ? Number.NaN : us(this.#sum / this.#count),
      p50Us: us(this.percentile(50)),
      p90Us: us(this.percentile(90)),
      p99Us: us(this.percentile(99)),
      p999Us: us(this.percentile(99.9)),
      maxUs: this.#count === 0 ? Number.NaN : us(this.#max),
    };
  }
}

/** The median of a list (mean of the middle two for an even length); NaN when empty. NaNs are ignored. */
export function median(values: readonly number[]): number {
  const xs = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}
