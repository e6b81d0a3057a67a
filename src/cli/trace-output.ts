// How `weft traces` prints: the list of recent traces as a table, and one trace as a tree of spans with durations, like the seed's Jaeger picture.
import type { SpanRecord } from '../model/trace.ts';
import type { TraceDetail, TraceSummary } from '../controlplane/http-api/trace-routes.ts';
import type { Table } from './tables.ts';

/** 850µs, 12.3ms, 1.25s. */
export function formatDurationUs(us: number): string {
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

export function tracesTable(traces: readonly TraceSummary[]): Table {
  return {
    headers: ['TRACE ID', 'ROOT', 'START', 'DURATION', 'SPANS', 'STATUS'],
    rows: traces.map((t) => [
      t.traceId,
      `${t.rootService} ${t.rootName}`,
      new Date(Math.floor(t.startUs / 1000)).toISOString(),
      formatDurationUs(t.durationUs),
      String(t.spans),
      t.status === 'ok' ? 'ok' : `error (${t.errors})`,
    ]),
  };
}

/**
 * The trace as a tree: each span under its parent, children in start order; spans whose parent is
 * not in the trace are roots. One line per span:
 *
 *   GET /orders/123  api-gateway.default client → order-service.default  12.3ms  200
 */
export function traceTree(t: TraceDetail): string {
  const byId = new Map(t.spans.map((s) => [s.spanId, s]));
  const children = new Map<string, SpanRecord[]>();
  const roots: SpanRecord[] = [];
  for (const s of t.spans) {
    if (s.parentSpanId === undefined || !byId.has(s.parentSpanId) || s.parentSpanId === s.spanId) roots.push(s);
    else children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  }
  const byStart = (a: SpanRecord, b: SpanRecord): number => a.startUs - b.startUs;
  const start = Math.min(...t.spans.map((s) => s.startUs));
  const end = Math.max(...t.spans.map((s) => s.startUs + s.durationUs));
  const lines = [`trace ${t.traceId}  ${t.spans.length} span${t.spans.length === 1 ? '' : 's'}  ${formatDurationUs(end - start)}`];
  const seen = new Set<string>();
  const walk = (s: SpanRecord, prefix: string, last: boolean): void => {
    if (seen.has(s.spanId)) return; // a cycle in hostile input ends here
    seen.add(s.spanId);
    lines.push(`${prefix}${last ? '└─ ' : '├─ '}${spanLine(s)}`);
    const kids = (children.get(s.spanId) ?? []).sort(byStart);
    kids.forEach((k, i) => walk(k, `${prefix}${last ? '   ' : '│  '}`, i === kids.length - 1));
  };
  roots.sort(byStart);
  roots.forEach((r, i) => walk(r, '', i === roots.length - 1));
  // Spans in a parent cycle (hostile input) have no root; show them rather than not at all.
  const rest = t.spans.filter((s) => !seen.has(s.spanId)).sort(byStart);
  if (rest.length > 0) lines.push('(spans whose parents form a cycle)');
  for (const s of rest) walk(s, '', true);
  return lines.join('\n');
}

function spanLine(s: SpanRecord): string {
  const peer = s.kind === 'CLIENT' ? upstream(s.tags['upstream_cluster']) : undefined;
  const who = `${s.service} ${s.kind === 'CLIENT' ? 'client' : 'server'}${peer === undefined ? '' : ` → ${peer}`}`;
  const status = s.tags['http.status_code'] ?? '-';
  const flags = s.tags['response_flags'];
  return `${s.name}  ${who}  ${formatDurationUs(s.durationUs)}  ${status}${flags !== undefined && flags !== '-' ? ` ${flags}` : ''}${s.error ? '  ERROR' : ''}`;
}

/** "outbound|8080|v2|user-service.default.svc.cluster.local" → "user-service.default (v2)". */
function upstream(cluster: string | undefined): string | undefined {
  if (cluster === undefined || !cluster.startsWith('outbound|')) return undefined;
  const [, , subset, host = ''] = cluster.split('|');
  const [name, ns] = host.split('.');
  return `${name ?? host}${ns === undefined ? '' : `.${ns}`}${subset === undefined || subset === '' ? '' : ` (${subset})`}`;
}
