// The Prometheus text exposition format (version 0.0.4): escaping, label sets, and the HELP/TYPE, sample and histogram lines that the sidecar and the control plane both serve.

/** The Content-Type a scrape answer carries. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Envoy's default histogram bounds, which Istio's stats filter keeps for all its distributions
 * (milliseconds for durations, bytes for sizes); +Inf is implied.
 */
export const ISTIO_BUCKETS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

/** A label value: backslash, double quote and line feed are the three characters the format escapes. */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : v;
}

/** HELP text: backslash and line feed are escaped (a quote is not). */
export function escapeHelp(v: string): string {
  return /[\\\n]/.test(v) ? v.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\')) : v;
}

/** A sample value as the format spells it: integers plainly, NaN and the infinities by name. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * `{a="x",b="y"}` for names and values in the order given (names must already be valid label
 * names); "" for no labels.
 */
export function labelSet(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return '';
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    out += `${names[i]!}="${escapeLabelValue(values[i] ?? '')}"`;
  }
  return `${out}}`;
}

/** Adds one label to an existing label set text (`{a="x"}` + le → `{a="x",le="5"}`). */
export function withLabel(set: string, name: string, value: string): string {
  const pair = `${name}="${escapeLabelValue(value)}"`;
  return set === '' ? `{${pair}}` : `${set.slice(0, -1)},${pair}}`;
}

/** The `# HELP` and `# TYPE` lines of a metric family. */
export function familyHeader(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/** One sample line. */
export function sample(name: string, set: string, value: number): string {
  return `${name}${set} ${formatValue(value)}\n`;
}

/**
 * The lines of one histogram series: cumulative `_bucket{le}` for each bound and +Inf, `_sum`,
 * `_count`. `counts` holds per-bucket (not cumulative) counts, one per bound plus the overflow.
 */
export function histogramLines(name: string, set: string, bounds: readonly number[], counts: ArrayLike<number>, sum: number): string {
  let out = '';
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += counts[i] ?? 0;
    out += `${name}_bucket${withLabel(set, 'le', formatValue(bounds[i]!))} ${cumulative}\n`;
  }
  cumulative += counts[bounds.length] ?? 0;
  out += `${name}_bucket${withLabel(set, 'le', '+Inf')} ${cumulative}\n`;
  out += `${name}_sum${set} ${formatValue(sum)}\n`;
  out += `${name}_count${set} ${cumulative}\n`;
  return out;
}

/** Index of the bucket `v` falls in: the first bound ≥ v, or bounds.length (the +Inf bucket). */
export function bucketIndex(bounds: readonly number[], v: number): number {
  // Linear: 19 bounds, and most observations land in the first few.
  for (let i = 0; i < bounds.length; i++) if (v <= bounds[i]!) return i;
  return bounds.length;
}

/** A histogram with fixed bounds, for the control plane's few series. */
export class Histogram {
  readonly bounds: readonly number[];
  readonly counts: Float64Array;
  sum = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    this.counts[bucketIndex(this.bounds, v)]! += 1;
    this.sum += v;
  }

  lines(name: string, set = ''): string {
    return histogramLines(name, set, this.bounds, this.counts, this.sum);
  }
}

/** One parsed sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of an exposition (comments skipped): what tests and tools read back. Throws on a line that is not a sample. */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let lm: RegExpExecArray | null;
    let at = 0;
    while (at < body.length && (lm = re.exec(body)) !== null) {
      labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      at = re.lastIndex;
    }
    if (at !== body.length) throw new Error(`bad label set in: ${line}`);
    const v = m[4]!;
    out.push({ name: m[1]!, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return out;
}
