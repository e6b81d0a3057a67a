/**
 * TraceStore: the control plane's recent traces, fed by the sidecars' span batches, for `weft
 * traces` and the dashboard. Bounded: at most `maxTraces` traces and `maxSpans` spans in all
 * (each span's text capped by the route's schema: name ≤ 256, ≤ 64 tags, ≤ 4 KiB of tag text),
 * so with the defaults the store holds at most 10 000 spans of at most ~5 KiB of text each —
 * under ~100 MB in the worst case, ~10 MB for ordinary spans (~1 KiB). When a bound is passed the
 * trace updated least recently goes first, whole.
 *
 *   Map<traceId, trace>  in order of last update:  [oldest … newest]  ─ evict from the front
 */
import type { SpanRecord } from '../../model/trace.ts';

export interface TraceStoreLimits {
  readonly maxTraces: number;
  readonly maxSpans: number;
  /** Spans kept per trace (a runaway trace cannot push out all others). */
  readonly maxSpansPerTrace: number;
}

export const DEFAULT_TRACE_LIMITS: TraceStoreLimits = { maxTraces: 1000, maxSpans: 10_000, maxSpansPerTrace: 1000 };

/** One row of `weft traces`. */
export interface TraceSummary {
  readonly traceId: string;
  /** The service of the root span (the earliest span without a parent in the trace). */
  readonly rootService: string;
  /** The root span's name ("GET /orders/123"). */
  readonly rootName: string;
  /** Microseconds since the epoch of the earliest span start. */
  readonly startUs: number;
  /** From the earliest start to the latest end. */
  readonly durationUs: number;
  readonly spans: number;
  readonly errors: number;
  readonly status: 'ok' | 'error';
}

export interface TraceDetail {
  readonly traceId: string;
  /** In start order. */
  readonly spans: readonly SpanRecord[];
}

export interface TraceStoreStats {
  readonly traces: number;
  readonly spans: number;
  /** Spans refused because their trace was full, and spans evicted with their trace. */
  readonly dropped: number;
  readonly evictedTraces: number;
}

interface Stored {
  readonly traceId: string;
  readonly spans: SpanRecord[];
  readonly ids: Set<string>;
}

export class TraceStore {
  readonly #limits: TraceStoreLimits;
  readonly #traces = new Map<string, Stored>();
  #spans = 0;
  #dropped = 0;
  #evicted = 0;

  constructor(limits: TraceStoreLimits = DEFAULT_TRACE_LIMITS) {
    this.#limits = limits;
  }

  /** Adds spans (a span id seen before in its trace is ignored: a resent batch adds nothing). */
  add(spans: readonly SpanRecord[]): void {
    for (const s of spans) {
      let t = this.#traces.get(s.traceId);
      if (t === undefined) t = { traceId: s.traceId, spans: [], ids: new Set() };
      else this.#traces.delete(s.traceId); // re-inserted below: most recently updated last
      this.#traces.set(s.traceId, t);
      if (t.ids.has(s.spanId)) continue;
      if (t.spans.length >= this.#limits.maxSpansPerTrace) {
        this.#dropped++;
        continue;
      }
      t.ids.add(s.spanId);
      t.spans.push(s);
      this.#spans++;
    }
    this.#evict();
  }

  #evict(): void {
    for (const [id, t] of this.#traces) {
      if (this.#traces.size <= this.#limits.maxTraces && this.#spans <= this.#limits.maxSpans) return;
      this.#traces.delete(id);
      this.#spans -= t.spans.length;
      this.#dropped += t.spans.length;
      this.#evicted++;
    }
  }

  /** Most recently started first; `service` keeps traces that have a span of that service ("order-service" or "order-service.default"). */
  list(opts: { readonly limit?: number; readonly service?: string } = {}): TraceSummary[] {
    const out: TraceSummary[] = [];
    for (const t of this.#traces.values()) {
      if (opts.service !== undefined && !t.spans.some((s) => s.service === opts.service || s.service.split('.')[0] === opts.service)) continue;
      out.push(summarize(t));
    }
    out.sort((a, b) => b.startUs - a.startUs);
    return opts.limit === undefined ? out : out.slice(0, opts.limit);
  }

  get(traceId: string): TraceDetail | undefined {
    const t = this.#traces.get(traceId.toLowerCase());
    if (t === undefined) return undefined;
    return { traceId: t.traceId, spans: [...t.spans].sort((a, b) => a.startUs - b.startUs) };
  }

  stats(): TraceStoreStats {
    return { traces: this.#traces.size, spans: this.#spans, dropped: this.#dropped, evictedTraces: this.#evicted };
  }
}

function summarize(t: Stored): TraceSummary {
  const ids = t.ids;
  let root: SpanRecord | undefined;
  let start = Infinity;
  let end = -Infinity;
  let errors = 0;
  for (const s of t.spans) {
    start = Math.min(start, s.startUs);
    end = Math.max(end, s.startUs + s.durationUs);
    if (s.error) errors++;
    const isRoot = s.parentSpanId === undefined || !ids.has(s.parentSpanId);
    if (isRoot && (root === undefined || s.startUs < root.startUs)) root = s;
  }
  return {
    traceId: t.traceId,
    rootService: root?.service ?? '-',
    rootName: root?.name ?? '-',
    startUs: start,
    durationUs: Math.max(0, end - start),
    spans: t.spans.length,
    errors,
    status: errors > 0 ? 'error' : 'ok',
  };
}
