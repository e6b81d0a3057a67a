// wrk (Debian's package) as the closed-loop generator for maximum throughput: its command line and a parser for its report.

export interface WrkResult {
  readonly requests: number;
  readonly elapsedMs: number;
  readonly throughput: number;
  /** Non-2xx/3xx responses plus socket errors of every kind (connect, read, write, timeout). */
  readonly errors: number;
  readonly nonSuccess: number;
  readonly socketErrors: number;
  /** From `--latency`'s distribution, in µs; NaN when absent. */
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
}

export function wrkArgs(o: { host: string; port: number; hostHeader: string; path: string; connections: number; durationMs: number }): string[] {
  return ['-t1', `-c${o.connections}`, `-d${Math.max(1, Math.round(o.durationMs / 1000))}s`, '--timeout', '5s', '--latency',
    '-H', `Host: ${o.hostHeader}`, `http://${o.host}:${o.port}${o.path}`];
}

/** "565.00us", "1.79ms", "2.00s", "3m" → µs. */
export function parseWrkDuration(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s.trim());
  if (m === null) return Number.NaN;
  const v = Number(m[1]);
  const unit = m[2]!;
  const scale: Record<string, number> = { us: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 };
  return v * scale[unit]!;
}

export function parseWrkOutput(text: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+\w+),/.exec(text);
  if (total === null) throw new Error(`unrecognised wrk output: ${text.slice(0, 300)}`);
  const requests = Number(total[1]);
  const elapsedMs = parseWrkDuration(total[2]!) / 1000;
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = sock === null ? 0 : sock.slice(1).reduce((a, b) => a + Number(b), 0);
  const non = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const nonSuccess = non === null ? 0 : Number(non[1]);
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)\\s*$`, 'm').exec(text);
    return m === null ? Number.NaN : parseWrkDuration(m[1]!);
  };
  return {
    requests,
    elapsedMs,
    throughput: elapsedMs > 0 ? requests / (elapsedMs / 1000) : 0,
    errors: nonSuccess + socketErrors,
    nonSuccess,
    socketErrors,
    p50Us: pct('50'),
    p90Us: pct('90'),
    p99Us: pct('99'),
  };
}
