/**
 * Span batches in the three bodies a sidecar sends: the control plane's SpanBatch (model/trace.ts),
 * OTLP/HTTP JSON (an ExportTraceServiceRequest in opentelemetry-proto's JSON mapping: hex ids, enum
 * numbers, 64-bit nanoseconds as decimal strings) and Zipkin v2 JSON (a list of spans, microsecond
 * integers).
 *
 * Written by hand, not with JSON.stringify of an object per span: at 100 % sampling each sidecar
 * encodes every request's span for each exporter, and building then walking those objects cost
 * several times more (bench/micro/tracing.bench.ts). Every value that can carry request text goes
 * through jsonString(); the fragments every span of one origin shares are encoded once
 * (SpanOrigin.fragment). Each format is a BatchFormat: the batcher (tracing-export.ts) writes a
 * span's text into the batch's bytes as the span ends. The receivers in test/e2e check both
 * collector formats on the wire.
 */
import { jsonString as q } from '../../lib/json-string.ts';
import type { BatchFormat } from './tracing-export.ts';
import type { FinishedSpan, SpanOrigin } from './tracing-span.ts';

/** OTLP Span.SpanKind: SPAN_KIND_SERVER = 2, SPAN_KIND_CLIENT = 3. */
const OTLP_KIND = { SERVER: 2, CLIENT: 3 } as const;
/** OTLP Status.StatusCode: STATUS_CODE_UNSET = 0, STATUS_CODE_ERROR = 2. */
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

/**
 * Tag keys as JSON literals: a span's keys are Envoy's and Istio's names and the mesh's custom
 * tags, a small set, so each is escaped once (jsonString was a third of encoding a span,
 * bench/micro/tracing.bench.ts). Bounded: past KEY_CACHE_MAX keys, new ones are escaped each time.
 */
const keyCache = new Map<string, string>();
const KEY_CACHE_MAX = 512;

function key(k: string): string {
  let j = keyCache.get(k);
  if (j === undefined) {
    j = q(k);
    if (keyCache.size < KEY_CACHE_MAX) keyCache.set(k, j);
  }
  return j;
}

/** `"k":"v",…` of a [key, value, …] list, without braces; '' for an empty list. The first `plain` values need no escaping. */
function members(list: readonly string[], plain = 0): string {
  let out = '';
  for (let i = 0; i < list.length; i += 2) out += `${i === 0 ? '' : ','}${key(list[i]!)}:${i < 2 * plain ? `"${list[i + 1]!}"` : q(list[i + 1]!)}`;
  return out;
}

/** OTLP KeyValue list items of a [key, value, …] list, without brackets. The first `plain` values need no escaping. */
function attributes(list: readonly string[], plain = 0): string {
  let out = '';
  for (let i = 0; i < list.length; i += 2) out += `${i === 0 ? '' : ','}{"key":${key(list[i]!)},"value":{"stringValue":${i < 2 * plain ? `"${list[i + 1]!}"` : q(list[i + 1]!)}}}`;
  return out;
}

/** The tags object of a span: the origin's tags, then the request's. */
function tagsObject(s: FinishedSpan): string {
  const own = s.origin.fragment('tags', (o) => members(o.tags));
  return s.tags.length === 0 ? `{${own}}` : `{${own},${members(s.tags, s.plainValues)}}`;
}

/** Microseconds → nanoseconds as a decimal string (exact: µs since the epoch fit a double, × 1000 is appended digits). */
function nanos(us: number): string {
  return `${Math.round(us)}000`;
}

/** `{"spans":[SpanRecord, …]}` for POST /v1/proxies/:id/spans. */
export const CONTROL_PLANE_FORMAT: BatchFormat<FinishedSpan> = {
  group: () => '',
  open: () => '{"spans":[',
  separator: ',',
  item(s) {
    const who = s.origin.fragment('cp', (o) => `,"service":${q(o.service)},"node":${q(o.node)}`);
    return `{"traceId":"${s.traceId}","spanId":"${s.spanId}"${s.parentSpanId === '' ? '' : `,"parentSpanId":"${s.parentSpanId}"`}`
      + `,"name":${q(s.name)},"kind":"${s.kind}","startUs":${s.startUs},"durationUs":${s.durationUs}${who},"error":${s.error},"tags":${tagsObject(s)}}`;
  },
  close: ']}',
};

/** Zipkin v2: a JSON list; the reporting service is the localEndpoint, the peer (when known) the remoteEndpoint. */
export const ZIPKIN_FORMAT: BatchFormat<FinishedSpan> = {
  group: () => '',
  open: () => '[',
  separator: ',',
  item(s) {
    const local = s.origin.fragment('zipkin', (o) => `,"localEndpoint":{"serviceName":${q(o.service)}}`);
    return `{"traceId":"${s.traceId}","id":"${s.spanId}"${s.parentSpanId === '' ? '' : `,"parentId":"${s.parentSpanId}"`}`
      + `,"kind":"${s.kind}","name":${q(s.name)},"timestamp":${Math.round(s.startUs)},"duration":${Math.max(1, Math.round(s.durationUs))}`
      + `${local}${remoteEndpoint(s)},"tags":${tagsObject(s)}}`;
  },
  close: ']',
};

/** The callee's service of a CLIENT span; the caller's IPv4 address of a SERVER span, when it is one. */
function remoteEndpoint(s: FinishedSpan): string {
  if (s.kind === 'CLIENT') {
    const remote = upstreamService(s.tag('upstream_cluster'));
    if (remote !== undefined) return `,"remoteEndpoint":{"serviceName":${q(remote)}}`;
    return '';
  }
  const peer = s.tag('peer.address');
  return peer !== undefined && IPV4.test(peer) ? `,"remoteEndpoint":{"ipv4":"${peer}"}` : '';
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * OTLP/HTTP JSON: one ResourceSpans per batch, for the reporting service (a sidecar reports for
 * its own; a batch never mixes services, see BatchFormat.group); spans in the order they ended.
 */
export function otlpFormat(scopeVersion: string): BatchFormat<FinishedSpan> {
  return {
    group: (s) => s.origin.service,
    open: (first) => `{"resourceSpans":[{"resource":{"attributes":[${attributes(['service.name', first.origin.service, 'telemetry.sdk.name', 'weft'])}]}`
      + `,"scopeSpans":[{"scope":{"name":"weft-proxy","version":${q(scopeVersion)}},"spans":[`,
    separator: ',',
    item(s) {
      const own = s.origin.fragment('otlp', (o: SpanOrigin) => attributes(o.tags));
      return `{"traceId":"${s.traceId}","spanId":"${s.spanId}"${s.parentSpanId === '' ? '' : `,"parentSpanId":"${s.parentSpanId}"`}`
        + `,"name":${q(s.name)},"kind":${OTLP_KIND[s.kind]},"startTimeUnixNano":"${nanos(s.startUs)}","endTimeUnixNano":"${nanos(s.startUs + s.durationUs)}"`
        + `,"attributes":[${own}${s.tags.length === 0 ? '' : `,${attributes(s.tags, s.plainValues)}`}],"status":{"code":${s.error ? STATUS_ERROR : STATUS_UNSET}}}`;
    },
    close: ']}]}]}',
  };
}

/** A whole body of spans of one group in one format (tests and benchmarks; the batcher writes the same pieces as spans come). */
export function encodeBatch(format: BatchFormat<FinishedSpan>, spans: readonly FinishedSpan[]): string {
  if (spans.length === 0) return '';
  let out = format.open(spans[0]!);
  for (let i = 0; i < spans.length; i++) out += `${i === 0 ? '' : format.separator}${format.item(spans[i]!)}`;
  return out + format.close;
}

/** "outbound|8080|v1|user-service.default.svc.cluster.local" → "user-service.default". */
export function upstreamService(cluster: string | undefined): string | undefined {
  if (cluster === undefined || !cluster.startsWith('outbound|')) return undefined;
  const host = cluster.slice(cluster.lastIndexOf('|') + 1);
  const parts = host.split('.');
  return parts.length >= 2 ? `${parts[0]!}.${parts[1]!}` : host;
}
