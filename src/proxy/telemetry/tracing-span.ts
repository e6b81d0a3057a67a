/**
 * FinishedSpan: a closed span as the sidecar holds it until every exporter has encoded it. It
 * keeps the request's own tags as a flat [key, value, …] list and points at its SpanOrigin, the
 * part every span of one sidecar shares (service, node id, the node's constant tags), which is
 * built once per config version instead of being copied into each span. The encoders
 * (tracing-encode.ts) write both parts; toSpanRecord() gives the control plane's SpanRecord.
 *
 * Why not a SpanRecord with a tags object: on a sidecar at 100 % sampling, building that object
 * and walking it again for each exporter was the tracer's largest cost (bench/micro/tracing.bench.ts).
 */
import { jsonBytes, type JsonBytes } from '../../lib/json-bytes.ts';
import type { NodeInfo } from '../../model/proxy-config.ts';
import type { SpanKind, SpanRecord } from '../../model/trace.ts';

/** What every span of one sidecar (one config version) shares. */
export class SpanOrigin {
  /** Istio's "<app>.<namespace>". */
  readonly service: string;
  readonly node: string;
  /** The node's constant tags, [key, value, …]: component, node_id, downstream_cluster, istio.*. */
  readonly tags: readonly string[];
  /** The encoders' cache of this origin's JSON fragments, as bytes, keyed by encoder (filled on first use). */
  readonly encoded = new Map<string, Buffer>();

  constructor(node: NodeInfo, meshId: string) {
    this.service = `${node.service}.${node.namespace}`;
    this.node = node.id;
    this.tags = [
      'component', 'proxy',
      'node_id', node.id,
      'downstream_cluster', '-',
      'istio.canonical_service', node.labels['service.istio.io/canonical-name'] ?? node.labels['app'] ?? node.service,
      'istio.canonical_revision', node.labels['service.istio.io/canonical-revision'] ?? node.labels['version'] ?? 'latest',
      'istio.namespace', node.namespace,
      'istio.mesh_id', meshId,
    ];
  }

  /** What `make()` writes, made once per origin and encoder. */
  fragment(key: string, make: (o: SpanOrigin, out: JsonBytes) => void): Buffer {
    let f = this.encoded.get(key);
    if (f === undefined) {
      const out = jsonBytes();
      make(this, out);
      this.encoded.set(key, (f = out.copy()));
    }
    return f;
  }
}

export class FinishedSpan {
  readonly origin: SpanOrigin;
  /** 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
  /** 16 hex digits, or '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: SpanKind;
  /** Microseconds since the epoch. */
  readonly startUs: number;
  readonly durationUs: number;
  readonly error: boolean;
  /** This request's tags, [key, value, …]; with the origin's, within SPAN_LIMITS. */
  readonly tags: readonly string[];
  /**
   * How many of the first tags are usually the same from one request to the next on one route (the
   * encoders reuse their text while they are; a hint only: they compare every key and value).
   */
  readonly leading: number;

  constructor(origin: SpanOrigin, traceId: string, spanId: string, parentSpanId: string, name: string, kind: SpanKind, startUs: number, durationUs: number, error: boolean, tags: readonly string[], leading = 0) {
    this.origin = origin;
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.name = name;
    this.kind = kind;
    this.startUs = startUs;
    this.durationUs = durationUs;
    this.error = error;
    this.tags = tags;
    this.leading = leading;
  }

  /** The value of one of this request's tags (not the origin's), or undefined. */
  tag(key: string): string | undefined {
    const t = this.tags;
    for (let i = 0; i < t.length; i += 2) if (t[i] === key) return t[i + 1];
    return undefined;
  }
}

/** The span as the control plane's trace store takes it (model/trace.ts). */
export function toSpanRecord(s: FinishedSpan): SpanRecord {
  const tags: Record<string, string> = {};
  for (const list of [s.origin.tags, s.tags]) for (let i = 0; i < list.length; i += 2) tags[list[i]!] = list[i + 1]!;
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId === '' ? {} : { parentSpanId: s.parentSpanId }),
    name: s.name,
    kind: s.kind,
    startUs: s.startUs,
    durationUs: s.durationUs,
    service: s.origin.service,
    node: s.origin.node,
    error: s.error,
    tags,
  };
}
