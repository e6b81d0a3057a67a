/**
 * Span batches in the two wire formats collectors read: OTLP/HTTP JSON (an
 * ExportTraceServiceRequest, opentelemetry-proto's JSON mapping: hex ids, enum numbers, 64-bit
 * nanoseconds as decimal strings) and Zipkin v2 JSON (a list of spans, microsecond integers).
 */
import type { SpanRecord } from '../../model/trace.ts';

/** OTLP Span.SpanKind: SPAN_KIND_SERVER = 2, SPAN_KIND_CLIENT = 3. */
const OTLP_KIND = { SERVER: 2, CLIENT: 3 } as const;
/** OTLP Status.StatusCode: STATUS_CODE_UNSET = 0, STATUS_CODE_ERROR = 2. */
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

const attribute = (key: string, value: string): { key: string; value: { stringValue: string } } => ({ key, value: { stringValue: value } });

/** Microseconds → nanoseconds as a decimal string (exact: µs since the epoch fit a double, × 1000 is appended digits). */
function nanos(us: number): string {
  return `${Math.round(us)}000`;
}

/** One ResourceSpans per reporting service; spans in batch order. */
export function encodeOtlp(spans: readonly SpanRecord[], scopeVersion: string): string {
  const byService = new Map<string, SpanRecord[]>();
  for (const s of spans) {
    const list = byService.get(s.service);
    if (list === undefined) byService.set(s.service, [s]);
    else list.push(s);
  }
  const resourceSpans = [...byService].map(([service, list]) => ({
    resource: { attributes: [attribute('service.name', service), attribute('telemetry.sdk.name', 'weft')] },
    scopeSpans: [{
      scope: { name: 'weft-proxy', version: scopeVersion },
      spans: list.map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        ...(s.parentSpanId === undefined ? {} : { parentSpanId: s.parentSpanId }),
        name: s.name,
        kind: OTLP_KIND[s.kind],
        startTimeUnixNano: nanos(s.startUs),
        endTimeUnixNano: nanos(s.startUs + s.durationUs),
        attributes: [attribute('node_id', s.node), ...Object.entries(s.tags).map(([k, v]) => attribute(k, v))],
        status: { code: s.error ? STATUS_ERROR : STATUS_UNSET },
      })),
    }],
  }));
  return JSON.stringify({ resourceSpans });
}

/** Zipkin v2: a JSON list; the reporting service is the localEndpoint, the peer (when known) the remoteEndpoint. */
export function encodeZipkin(spans: readonly SpanRecord[]): string {
  return JSON.stringify(spans.map((s) => {
    const peer = s.tags['peer.address'];
    const remote = s.kind === 'CLIENT' ? upstreamService(s.tags['upstream_cluster']) : undefined;
    return {
      traceId: s.traceId,
      id: s.spanId,
      ...(s.parentSpanId === undefined ? {} : { parentId: s.parentSpanId }),
      kind: s.kind,
      name: s.name,
      timestamp: Math.round(s.startUs),
      // Zipkin: duration in µs, at least 1 when present.
      duration: Math.max(1, Math.round(s.durationUs)),
      localEndpoint: { serviceName: s.service },
      ...(remote !== undefined ? { remoteEndpoint: { serviceName: remote } } : s.kind === 'SERVER' && peer !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(peer) ? { remoteEndpoint: { ipv4: peer } } : {}),
      tags: { ...s.tags, node_id: s.node, ...(s.error ? { error: 'true' } : {}) },
    };
  }));
}

/** "outbound|8080|v1|user-service.default.svc.cluster.local" → "user-service.default". */
export function upstreamService(cluster: string | undefined): string | undefined {
  if (cluster === undefined || !cluster.startsWith('outbound|')) return undefined;
  const host = cluster.slice(cluster.lastIndexOf('|') + 1);
  const parts = host.split('.');
  return parts.length >= 2 ? `${parts[0]!}.${parts[1]!}` : host;
}
