/** Istio duration strings ("3s", "1.5s", "100ms", "1h30m") to milliseconds and back. */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses the duration syntax Istio accepts in YAML (Go's time.ParseDuration, which also covers
 * protobuf's "1.5s" form). Returns null when the text is not a valid non-negative duration.
 */
export function parseDuration(text: string): number | null {
  if (typeof text !== 'string' || text.length === 0) return null;
  if (text === '0') return 0;
  let total = 0;
  PART.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (m === null) return null;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = PART.lastIndex;
  }
  return total;
}

/** Formats milliseconds as the shortest Istio-style duration ("1.5s", "250ms"). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}
