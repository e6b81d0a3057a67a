/**
 * Span batches in the three wire formats a sidecar sends, written as strings (no object tree per
 * span, no JSON.stringify of a batch): the control plane's SpanBatch, OTLP/HTTP JSON (an
 * ExportTraceServiceRequest, opentelemetry-proto's JSON mapping: hex ids, enum numbers, 64-bit
 * nanoseconds as decimal strings) and Zipkin v2 JSON (a list of spans, microsecond integers).
 *
 * The tracer keeps a finished span lean (FinishedSpan: the per-request values and one pointer to
 * the sidecar's SpanConstants, whose tags are encoded once per config); the encoders splice the
 * constant fragments between the per-request values. The text is byte for byte what
 * JSON.stringify of the old object trees gave (tracing-encode.test.ts checks that against a copy
 * of them), so collectors and the control plane see no change. Every string that can carry
 * request data goes through str() (JSON.stringify of one string); ids are validated hex.
 */
import type { NodeInfo } from '../../model/proxy-config.ts';
import type { SpanKind, SpanRecord } from '../../model/trace.ts';

/** What every span of one sidecar config shares, with its tags pre-encoded in each format. */
export interface SpanConstants {
  /** "<service>.<namespace>". */
  readonly service: string;
  /** The proxy id. */
  readonly node: string;
  /** `"component":"proxy","node_id":…` (object syntax: control plane and Zipkin). */
  readonly headTags: string;
  /** `,"downstream_cluster":"-","istio.canonical_service":…,"istio.mesh_id":"cluster.local"`. */
  readonly midTags: string;
  /** OTLP attributes: node_id (the encoder's own), then component and node_id of the tags. */
  readonly headAttrs: string;
  readonly midAttrs: string;
  /** Characters of the constant tags' keys and values (they count against the span's tag budget). */
  readonly text: number;
  /** Number of constant tags. */
  readonly count: number;
}

/**
 * One finished span as the tracer queues it. When `tags` is set it is the whole tag object and the
 * per-request tag fields are not read (spans given as SpanRecords, or custom tags whose keys
 * shadow Envoy's); otherwise the tags are, in this order: component, node_id, the per-request
 * values below, the constants of midTags, user_agent, upstream_host, peer.identity, `custom`
 * (key, value, key, value, …), error.
 */
export interface FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' on a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startUs: number;
  readonly durationUs: number;
  readonly error: boolean;
  readonly consts: SpanConstants;
  readonly tags: Readonly<Record<string, string>> | null;
  readonly requestId: string;
  readonly url: string;
  readonly method: string;
  /** Set by the codec ("HTTP/1.1", "HTTP/2"): no escaping needed. */
  readonly protocol: string;
  readonly status: number;
  /** Envoy's flag letters or '-': no escaping needed. */
  readonly responseFlags: string;
  readonly requestSize: number;
  readonly responseSize: number;
  /** The upstream_cluster (and upstream_cluster.name) tag. */
  readonly upstreamCluster: string;
  readonly peerAddress: string;
  /** undefined: no user-agent header. */
  readonly userAgent: string | undefined;
  /** '': not known (no tag). */
  readonly upstreamHost: string;
  /** '': not known (no tag). */
  readonly peerIdentity: string;
  readonly custom: readonly string[] | null;
}

/** OTLP Span.SpanKind: SPAN_KIND_SERVER = 2, SPAN_KIND_CLIENT = 3. */
const OTLP_KIND = { SERVER: '2', CLIENT: '3' } as const;
/** OTLP Status.StatusCode: STATUS_CODE_UNSET = 0, STATUS_CODE_ERROR = 2. */
const STATUS_UNSET = '{"code":0}';
const STATUS_ERROR = '{"code":2}';

const str = (v: string): string => JSON.stringify(v);
/** A JSON number as JSON.stringify writes it (null when not finite). */
const num = (n: number): string => (Number.isFinite(n) ? `${n}` : 'null');

/** The two ways a tag is written: `"k":v` in an object, `{"key":"k","value":{"stringValue":v}}` in an OTLP list. */
interface TagSyntax {
  /** Text before the value of tag `keyJson` (a JSON string), separator included. */
  readonly open: (keyJson: string) => string;
  readonly close: string;
}
const OBJECT: TagSyntax = { open: (k) => `,${k}:`, close: '' };
const OTLP: TagSyntax = { open: (k) => `,{"key":${k},"value":{"stringValue":`, close: '}}' };

/** The per-request tag keys, pre-opened for one syntax. */
function openers(t: TagSyntax): Record<'rid' | 'url' | 'method' | 'protocol' | 'status' | 'flags' | 'reqSize' | 'resSize' | 'cluster' | 'clusterName' | 'peer' | 'ua' | 'host' | 'identity' | 'error', string> {
  return {
    rid: t.open('"guid:x-request-id"'), url: t.open('"http.url"'), method: t.open('"http.method"'),
    protocol: `${t.open('"http.protocol"')}"`, status: `${t.open('"http.status_code"')}"`, flags: `${t.open('"response_flags"')}"`,
    reqSize: `${t.open('"request_size"')}"`, resSize: `${t.open('"response_size"')}"`, cluster: t.open('"upstream_cluster"'),
    clusterName: t.open('"upstream_cluster.name"'), peer: t.open('"peer.address"'), ua: t.open('"user_agent"'),
    host: t.open('"upstream_host"'), identity: t.open('"peer.identity"'), error: `${t.open('"error"')}"true"${t.close}`,
  };
}
const OBJ_KEYS = openers(OBJECT);
const OTLP_KEYS = openers(OTLP);

/** Keys of the tags the tracer sets itself; a custom tag with one of these keys takes the slow path. */
export const RESERVED_TAGS: ReadonlySet<string> = new Set([
  'component', 'node_id', 'guid:x-request-id', 'http.url', 'http.method', 'http.protocol', 'http.status_code', 'response_flags',
  'request_size', 'response_size', 'upstream_cluster', 'upstream_cluster.name', 'peer.address', 'downstream_cluster',
  'istio.canonical_service', 'istio.canonical_revision', 'istio.namespace', 'istio.mesh_id', 'user_agent', 'upstream_host',
  'peer.identity', 'error',
]);

/** Characters of the per-request tag keys that every span has (guid:x-request-id … peer.address). */
export const REQUEST_KEYS_TEXT = ['guid:x-request-id', 'http.url', 'http.method', 'http.protocol', 'http.status_code', 'response_flags',
  'request_size', 'response_size', 'upstream_cluster', 'upstream_cluster.name', 'peer.address'].reduce((n, k) => n + k.length, 0);
/** How many tags every span has (the constants and the per-request ones). */
export const REQUEST_KEYS = 11;

/** The constant tags of a sidecar, in the order a span lists them (head: component, node_id; mid: the rest). */
export function spanConstants(node: NodeInfo): SpanConstants {
  const head: [string, string][] = [['component', 'proxy'], ['node_id', node.id]];
  const mid: [string, string][] = [
    ['downstream_cluster', '-'],
    ['istio.canonical_service', node.labels['service.istio.io/canonical-name'] ?? node.labels['app'] ?? node.service],
    ['istio.canonical_revision', node.labels['service.istio.io/canonical-revision'] ?? node.labels['version'] ?? 'latest'],
    ['istio.namespace', node.namespace],
    ['istio.mesh_id', 'cluster.local'],
  ];
  const write = (t: TagSyntax, list: [string, string][]): string => list.map(([k, v]) => `${t.open(str(k))}${str(v)}${t.close}`).join('');
  return {
    service: `${node.service}.${node.namespace}`,
    node: node.id,
    headTags: write(OBJECT, head).slice(1),
    midTags: write(OBJECT, mid),
    headAttrs: write(OTLP, [['node_id', node.id], ...head]).slice(1),
    midAttrs: write(OTLP, mid),
    text: [...head, ...mid].reduce((n, [k, v]) => n + k.length + v.length, 0),
    count: head.length + mid.length,
  };
}

/** The per-request and custom tags, after the head constants, in syntax `t` (keys `K`). */
function requestTags(s: FinishedSpan, t: TagSyntax, K: typeof OBJ_KEYS, mid: string): string {
  const c = t.close;
  const cluster = str(s.upstreamCluster);
  let out = `${K.rid}${str(s.requestId)}${c}${K.url}${str(s.url)}${c}${K.method}${str(s.method)}${c}${K.protocol}${s.protocol}"${c}`
    + `${K.status}${s.status}"${c}${K.flags}${s.responseFlags}"${c}${K.reqSize}${s.requestSize}"${c}${K.resSize}${s.responseSize}"${c}`
    + `${K.cluster}${cluster}${c}${K.clusterName}${cluster}${c}${K.peer}${str(s.peerAddress)}${c}${mid}`;
  if (s.userAgent !== undefined) out += `${K.ua}${str(s.userAgent)}${c}`;
  if (s.upstreamHost !== '') out += `${K.host}${str(s.upstreamHost)}${c}`;
  if (s.peerIdentity !== '') out += `${K.identity}${str(s.peerIdentity)}${c}`;
  const custom = s.custom;
  if (custom !== null) for (let i = 0; i + 1 < custom.length; i += 2) out += `${t.open(str(custom[i]!))}${str(custom[i + 1]!)}${c}`;
  if (s.error) out += K.error;
  return out;
}

/** Every tag of `tags` in syntax `t`, each with its leading comma. */
function anyTags(tags: Readonly<Record<string, string>>, t: TagSyntax): string {
  let out = '';
  for (const k of Object.keys(tags)) out += `${t.open(str(k))}${str(tags[k]!)}${t.close}`;
  return out;
}

/** The span's tags as a JSON object (the control plane's `tags`). */
function tagObject(s: FinishedSpan): string {
  if (s.tags !== null) return `{${anyTags(s.tags, OBJECT).slice(1)}}`;
  return `{${s.consts.headTags}${requestTags(s, OBJECT, OBJ_KEYS, s.consts.midTags)}}`;
}

/** The control plane's SpanBatch (POST /v1/proxies/:id/spans), as JSON.stringify({ spans: records }) writes it. */
export function encodeSpanBatch(spans: readonly FinishedSpan[]): string {
  let out = '{"spans":[';
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (i > 0) out += ',';
    out += `{"traceId":"${s.traceId}","spanId":"${s.spanId}"${s.parentSpanId === '' ? '' : `,"parentSpanId":"${s.parentSpanId}"`}`
      + `,"name":${str(s.name)},"kind":"${s.kind}","startUs":${num(s.startUs)},"durationUs":${num(s.durationUs)}`
      + `,"service":${str(s.consts.service)},"node":${str(s.consts.node)},"error":${s.error},"tags":${tagObject(s)}}`;
  }
  return `${out}]}`;
}

/** Microseconds → nanoseconds as a decimal string (exact: µs since the epoch fit a double, × 1000 is appended digits). */
function nanos(us: number): string {
  return `"${Math.round(us)}000"`;
}

/** One ResourceSpans per reporting service (in order of first appearance); spans in batch order. */
export function encodeOtlpSpans(spans: readonly FinishedSpan[], scopeVersion: string): string {
  const byService = new Map<string, FinishedSpan[]>();
  for (const s of spans) {
    const list = byService.get(s.consts.service);
    if (list === undefined) byService.set(s.consts.service, [s]);
    else list.push(s);
  }
  const scope = `"scope":{"name":"weft-proxy","version":${str(scopeVersion)}}`;
  let out = '{"resourceSpans":[';
  let first = true;
  for (const [service, list] of byService) {
    if (!first) out += ',';
    first = false;
    out += `{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":${str(service)}}},{"key":"telemetry.sdk.name","value":{"stringValue":"weft"}}]},"scopeSpans":[{${scope},"spans":[`;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (i > 0) out += ',';
      const attrs = s.tags !== null
        ? `{"key":"node_id","value":{"stringValue":${str(s.consts.node)}}}${anyTags(s.tags, OTLP)}`
        : `${s.consts.headAttrs}${requestTags(s, OTLP, OTLP_KEYS, s.consts.midAttrs)}`;
      out += `{"traceId":"${s.traceId}","spanId":"${s.spanId}"${s.parentSpanId === '' ? '' : `,"parentSpanId":"${s.parentSpanId}"`}`
        + `,"name":${str(s.name)},"kind":${OTLP_KIND[s.kind]},"startTimeUnixNano":${nanos(s.startUs)},"endTimeUnixNano":${nanos(s.startUs + s.durationUs)}`
        + `,"attributes":[${attrs}],"status":${s.error ? STATUS_ERROR : STATUS_UNSET}}`;
    }
    out += ']}]}';
  }
  return `${out}]}`;
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/** Zipkin v2: a JSON list; the reporting service is the localEndpoint, the peer (when known) the remoteEndpoint. */
export function encodeZipkinSpans(spans: readonly FinishedSpan[]): string {
  let out = '[';
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (i > 0) out += ',';
    const t = s.tags;
    const peer = t === null ? s.peerAddress : t['peer.address'];
    const remote = s.kind === 'CLIENT' ? upstreamService(t === null ? s.upstreamCluster : t['upstream_cluster']) : undefined;
    out += `{"traceId":"${s.traceId}","id":"${s.spanId}"${s.parentSpanId === '' ? '' : `,"parentId":"${s.parentSpanId}"`}`
      + `,"kind":"${s.kind}","name":${str(s.name)},"timestamp":${num(Math.round(s.startUs))}`
      // Zipkin: duration in µs, at least 1 when present.
      + `,"duration":${num(Math.max(1, Math.round(s.durationUs)))},"localEndpoint":{"serviceName":${str(s.consts.service)}}`;
    if (remote !== undefined) out += `,"remoteEndpoint":{"serviceName":${str(remote)}}`;
    else if (s.kind === 'SERVER' && peer !== undefined && IPV4.test(peer)) out += `,"remoteEndpoint":{"ipv4":${str(peer)}}`;
    // The tags with node_id (and error) set over them: the tracer's own already hold both.
    out += `,"tags":${t === null ? tagObject(s) : `{${anyTags({ ...t, node_id: s.consts.node, ...(s.error ? { error: 'true' } : {}) }, OBJECT).slice(1)}}`}}`;
  }
  return `${out}]`;
}

/** "outbound|8080|v1|user-service.default.svc.cluster.local" → "user-service.default". */
export function upstreamService(cluster: string | undefined): string | undefined {
  if (cluster === undefined || !cluster.startsWith('outbound|')) return undefined;
  const host = cluster.slice(cluster.lastIndexOf('|') + 1);
  const parts = host.split('.');
  return parts.length >= 2 ? `${parts[0]!}.${parts[1]!}` : host;
}

/** A SpanRecord (as the control plane stores it) as a FinishedSpan whose tags are its own object. */
export function fromRecord(s: SpanRecord): FinishedSpan {
  return {
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, startUs: s.startUs, durationUs: s.durationUs, error: s.error,
    consts: { service: s.service, node: s.node, headTags: '', midTags: '', headAttrs: '', midAttrs: '', text: 0, count: 0 },
    tags: s.tags,
    requestId: '', url: '', method: '', protocol: '', status: 0, responseFlags: '', requestSize: 0, responseSize: 0, upstreamCluster: '', peerAddress: '',
    userAgent: undefined, upstreamHost: '', peerIdentity: '', custom: null,
  };
}

/** OTLP/HTTP JSON of SpanRecords. */
export function encodeOtlp(spans: readonly SpanRecord[], scopeVersion: string): string {
  return encodeOtlpSpans(spans.map(fromRecord), scopeVersion);
}

/** Zipkin v2 JSON of SpanRecords. */
export function encodeZipkin(spans: readonly SpanRecord[]): string {
  return encodeZipkinSpans(spans.map(fromRecord));
}
