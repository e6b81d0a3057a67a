// The demo's text bar chart: for each kind of request, one bar per order-service version with its share of the recent window.
import type { RequestClass, Tally } from './tally.ts';

export interface ChartOptions {
  /** Bar width in characters. */
  readonly width?: number;
  /** ANSI colours (terminals only). */
  readonly color?: boolean;
  /** Versions always shown, even at 0 %, so that the chart's shape does not jump. */
  readonly versions?: readonly string[];
}

const LABELS: Record<RequestClass, string> = { normal: 'normal requests ', beta: 'user-type: beta ' };
const COLORS = ['\x1b[34m', '\x1b[32m', '\x1b[35m', '\x1b[33m'];
const RESET = '\x1b[0m';

/** The chart as lines, e.g. `  normal requests   v1 ███████████████████████████░░░  90%   (1234)`. */
export function renderChart(tally: Tally, o: ChartOptions = {}): string[] {
  const width = o.width ?? 30;
  const known = o.versions ?? ['v1', 'v2'];
  const lines: string[] = [];
  for (const cls of ['normal', 'beta'] as const) {
    const c = tally.counts(cls);
    const versions = [...new Set([...known, ...c.total.keys()])].sort();
    const percents = roundShares(versions.map((v) => c.window.get(v) ?? 0));
    versions.forEach((v, i) => {
      const share = (percents[i] ?? 0) / 100;
      const filled = Math.round(share * width);
      let bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      if (o.color === true && filled > 0) bar = `${COLORS[i % COLORS.length]}${'█'.repeat(filled)}${RESET}${'░'.repeat(width - filled)}`;
      const head = i === 0 ? LABELS[cls] : ' '.repeat(LABELS[cls].length);
      const pct = `${percents[i] ?? 0}%`.padStart(4);
      lines.push(`  ${head}  ${v.padEnd(3)} ${bar} ${pct}   (${c.total.get(v) ?? 0})`);
    });
  }
  const failed = tally.failed;
  const window = Math.max(tally.counts('normal').windowSize, tally.counts('beta').windowSize);
  lines.push(`  ${tally.succeeded + failed} requests, ${failed} failed · bars: the last ${window} of each kind · (totals)`);
  return lines;
}

/** Whole percentages that add up to exactly 100 (largest remainder), or all 0 for no data. */
export function roundShares(counts: readonly number[]): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) return counts.map(() => 0);
  const exact = counts.map((k) => (100 * k) / n);
  const out = exact.map(Math.floor);
  let left = 100 - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    out[i]!++;
  }
  return out;
}

/** One line for logs and pipes, shares over the same window as the bars: `normal v1 90% v2 10% · beta v2 100% · 412 requests, 0 failed`. */
export function renderSummaryLine(tally: Tally): string {
  const part = (cls: RequestClass): string => {
    const c = tally.counts(cls);
    if (c.windowSize === 0) return `${cls} -`;
    return `${cls} ${[...c.window.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([v, k]) => `${v} ${pct(k, c.windowSize)}`).join(' ')}`;
  };
  return `${part('normal')} · ${part('beta')} · ${tally.succeeded + tally.failed} requests, ${tally.failed} failed`;
}

function pct(k: number, n: number): string {
  const p = (100 * k) / n;
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)}%`;
}
