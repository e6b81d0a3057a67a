/**
 * Span batches in the three bodies a sidecar sends: the control plane's SpanBatch (model/trace.ts),
 * OTLP/HTTP JSON (an ExportTraceServiceRequest in opentelemetry-proto's JSON mapping: hex ids, enum
 * numbers, 64-bit nanoseconds as decimal strings) and Zipkin v2 JSON (a list of spans, microsecond
 * integers).
 *
 * Written by hand, not with JSON.stringify of an object per span: at 100 % sampling each sidecar
 * encodes every request's span for each exporter, and building then walking those objects cost
 * several times more (bench/micro/tracing.bench.ts). Each format is a BatchFormat: as a span ends
 * the batcher (tracing-export.ts) has it written straight into the batch's bytes (lib/json-bytes.ts:
 * no string is built for it). Every value that can carry request text goes through
 * JsonBytes.string(); the fragments every span of one origin shares are encoded once
 * (SpanOrigin.fragment). The receivers in test/e2e check both collector formats on the wire.
 */
import { jsonString } from '../../lib/json-string.ts';
import { jsonBytes, type JsonBytes } from '../../lib/json-bytes.ts';
import type { BatchFormat } from './tracing-export.ts';
import type { FinishedSpan, SpanOrigin } from './tracing-span.ts';

/** OTLP Span.SpanKind (SPAN_KIND_SERVER = 2, SPAN_KIND_CLIENT = 3), with the start time's opening quote. */
const OTLP_KIND = { SERVER: ',"kind":2,"startTimeUnixNano":"', CLIENT: ',"kind":3,"startTimeUnixNano":"' } as const;
/** OTLP Status.StatusCode: STATUS_CODE_UNSET = 0, STATUS_CODE_ERROR = 2. */
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;
const CLOSE_BRACE = 125;

/**
 * Tag keys as the JSON text that starts their member (`,"key":`, and for OTLP
 * `,{"key":"key","value":{"stringValue":`): a span's keys are Envoy's and Istio's names and the
 * mesh's custom tags, a small set, so each is escaped once. Bounded: past KEY_CACHE_MAX keys, new
 * ones are escaped each time.
 */
const KEY_CACHE_MAX = 512;

/** A key's start from `cache`, made and kept (within KEY_CACHE_MAX) on first use. */
function cached(cache: Map<string, string>, k: string, make: (k: string) => string): string {
  let j = cache.get(k);
  if (j === undefined) {
    j = make(k);
    if (cache.size < KEY_CACHE_MAX) cache.set(k, j);
  }
  return j;
}

const memberStart = (k: string): string => `,${jsonString(k)}:`;
const attributeStart = (k: string): string => `,{"key":${jsonString(k)},"value":{"stringValue":`;

const memberStarts = new Map<string, string>();
const attributeStarts = new Map<string, string>();

/** `"k":"v",…` of list[from…], without braces; nothing for an empty list. `first`: no comma before the first. */
function members(list: readonly string[], out: JsonBytes, first: boolean, from = 0): void {
  for (let i = from; i < list.length; i += 2) {
    const start = cached(memberStarts, list[i]!, memberStart);
    out.member(first && i === 0 ? start.slice(1) : start, list[i + 1]!);
  }
}

/** OTLP KeyValue list items of list[from…], without brackets. `first`: no comma before the first. */
function attributes(list: readonly string[], out: JsonBytes, first: boolean, from = 0): void {
  for (let i = from; i < list.length; i += 2) {
    const start = cached(attributeStarts, list[i]!, attributeStart);
    out.member(first && i === 0 ? start.slice(1) : start, list[i + 1]!);
    out.raw('}}');
  }
}

/**
 * The text of a span's leading tags (FinishedSpan.leading: method, protocol, status, sizes, URL,
 * cluster), kept for the next spans: on one route they are the same request after request, so
 * their text is copied, not written again. A few entries, each checked key by key and value by
 * value (the same strings, mostly: equal at the first compare), replaced in turn.
 */
class LeadingTags {
  readonly #entries: { list: string[]; bytes: Buffer }[] = [];
  #next = 0;
  readonly #write: (list: readonly string[], out: JsonBytes, first: boolean) => void;

  constructor(write: (list: readonly string[], out: JsonBytes, first: boolean) => void) {
    this.#write = write;
  }

  /** The text of list[0 … n), with a comma before it. */
  bytes(list: readonly string[], n: number): Buffer {
    for (const e of this.#entries) if (sameStart(e.list, list, n)) return e.bytes;
    const out = jsonBytes(512);
    this.#write(list.slice(0, n), out, false);
    const entry = { list: list.slice(0, n), bytes: out.copy() };
    if (this.#entries.length < LEADING_ENTRIES) this.#entries.push(entry);
    else this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % LEADING_ENTRIES;
    return entry.bytes;
  }
}

/** Routes × outcomes whose leading tags are kept at once (per format). */
const LEADING_ENTRIES = 8;

function sameStart(kept: readonly string[], list: readonly string[], n: number): boolean {
  if (kept.length !== n) return false;
  for (let i = 0; i < n; i++) if (kept[i] !== list[i]) return false;
  return true;
}

const leadingMembers = new LeadingTags(members);
const leadingAttributes = new LeadingTags(attributes);

/** A span's own tags: the leading ones' text from `cache` (see LeadingTags), the rest written. */
function requestTags(s: FinishedSpan, out: JsonBytes, cache: LeadingTags, write: (list: readonly string[], out: JsonBytes, first: boolean, from: number) => void): void {
  const n = Math.min(2 * s.leading, s.tags.length);
  if (n > 0) out.bytes(cache.bytes(s.tags, n));
  write(s.tags, out, false, n);
}

// What every span of one origin shares, made once per origin (SpanOrigin.fragment).
function originTags(o: SpanOrigin, out: JsonBytes): void {
  out.byte(123);
  members(o.tags, out, true);
}
function originCp(o: SpanOrigin, out: JsonBytes): void {
  out.member(',"service":', o.service);
  out.member(',"node":', o.node);
}
function originZipkin(o: SpanOrigin, out: JsonBytes): void {
  out.member(',"localEndpoint":{"serviceName":', o.service);
  out.byte(CLOSE_BRACE);
}
function originOtlp(o: SpanOrigin, out: JsonBytes): void {
  attributes(o.tags, out, true);
}

/** The tags object of a span: the origin's tags, then the request's. */
function tagsObject(s: FinishedSpan, out: JsonBytes): void {
  out.bytes(s.origin.fragment('tags', originTags));
  requestTags(s, out, leadingMembers, members);
  out.byte(CLOSE_BRACE);
}

/** The ids every format starts a span with: trace id, span id after `idStart`, the parent's after `parentStart` when there is one; the last id's quote left open. */
function ids(s: FinishedSpan, idStart: string, parentStart: string, out: JsonBytes): void {
  out.raw('{"traceId":"');
  out.raw(s.traceId);
  out.raw(idStart);
  out.raw(s.spanId);
  if (s.parentSpanId !== '') {
    out.raw(parentStart);
    out.raw(s.parentSpanId);
  }
}

const CP_KIND = { CLIENT: ',"kind":"CLIENT","startUs":', SERVER: ',"kind":"SERVER","startUs":' } as const;

/** `{"spans":[SpanRecord, …]}` for POST /v1/proxies/:id/spans. */
export const CONTROL_PLANE_FORMAT: BatchFormat<FinishedSpan> = {
  group: () => '',
  open: (_first, out) => out.raw('{"spans":['),
  separator: ',',
  item(s, out) {
    ids(s, '","spanId":"', '","parentSpanId":"', out);
    out.member('","name":', s.name);
    out.raw(CP_KIND[s.kind]);
    out.number(s.startUs);
    out.raw(',"durationUs":');
    out.number(s.durationUs);
    out.bytes(s.origin.fragment('cp', originCp));
    out.raw(s.error ? ',"error":true,"tags":' : ',"error":false,"tags":');
    tagsObject(s, out);
    out.byte(CLOSE_BRACE);
  },
  close: ']}',
};

const ZIPKIN_KIND = { CLIENT: '","kind":"CLIENT","name":', SERVER: '","kind":"SERVER","name":' } as const;

/** Zipkin v2: a JSON list; the reporting service is the localEndpoint, the peer (when known) the remoteEndpoint. */
export const ZIPKIN_FORMAT: BatchFormat<FinishedSpan> = {
  group: () => '',
  open: (_first, out) => out.byte(91),
  separator: ',',
  item(s, out) {
    ids(s, '","id":"', '","parentId":"', out);
    out.member(ZIPKIN_KIND[s.kind], s.name);
    out.raw(',"timestamp":');
    out.number(Math.round(s.startUs));
    out.raw(',"duration":');
    out.number(Math.max(1, Math.round(s.durationUs)));
    out.bytes(s.origin.fragment('zipkin', originZipkin));
    remoteEndpoint(s, out);
    out.raw(',"tags":');
    tagsObject(s, out);
    out.byte(CLOSE_BRACE);
  },
  close: ']',
};

/** The callee's service of a CLIENT span; the caller's IPv4 address of a SERVER span, when it is one. */
function remoteEndpoint(s: FinishedSpan, out: JsonBytes): void {
  if (s.kind === 'CLIENT') {
    const remote = upstreamService(s.tag('upstream_cluster'));
    if (remote === undefined) return;
    out.member(',"remoteEndpoint":{"serviceName":', remote);
    out.byte(CLOSE_BRACE);
    return;
  }
  const peer = s.tag('peer.address');
  if (peer === undefined || !isIpv4(peer)) return;
  out.raw(',"remoteEndpoint":{"ipv4":"');
  out.raw(peer);
  out.raw('"}');
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/** The last address isIpv4() was asked about, and its answer: a sidecar's callers are a few peers, each calling many times. */
let lastPeer = '';
let lastPeerIsIpv4 = false;

function isIpv4(address: string): boolean {
  if (address !== lastPeer) {
    lastPeerIsIpv4 = IPV4.test(address);
    lastPeer = address;
  }
  return lastPeerIsIpv4;
}

/**
 * OTLP/HTTP JSON: one ResourceSpans per batch, for the reporting service (a sidecar reports for
 * its own; a batch never mixes services, see BatchFormat.group); spans in the order they ended.
 */
export function otlpFormat(scopeVersion: string): BatchFormat<FinishedSpan> {
  return {
    group: (s) => s.origin.service,
    open(first, out) {
      out.raw('{"resourceSpans":[{"resource":{"attributes":[');
      attributes(['service.name', first.origin.service, 'telemetry.sdk.name', 'weft'], out, true);
      out.member(']},"scopeSpans":[{"scope":{"name":"weft-proxy","version":', scopeVersion);
      out.raw('},"spans":[');
    },
    separator: ',',
    item(s, out) {
      ids(s, '","spanId":"', '","parentSpanId":"', out);
      out.member('","name":', s.name);
      out.raw(OTLP_KIND[s.kind]);
      out.number(Math.round(s.startUs));
      out.raw('000","endTimeUnixNano":"');
      out.number(Math.round(s.startUs + s.durationUs));
      out.raw('000","attributes":[');
      out.bytes(s.origin.fragment('otlp', originOtlp));
      requestTags(s, out, leadingAttributes, attributes);
      out.raw(s.error ? `],"status":{"code":${STATUS_ERROR}}}` : `],"status":{"code":${STATUS_UNSET}}}`);
    },
    close: ']}]}]}',
  };
}

/** A whole body of spans of one group in one format, as text (tests and benchmarks; the batcher writes the same pieces as spans come). */
export function encodeBatch(format: BatchFormat<FinishedSpan>, spans: readonly FinishedSpan[]): string {
  if (spans.length === 0) return '';
  const out = jsonBytes(1024);
  format.open(spans[0]!, out);
  for (let i = 0; i < spans.length; i++) {
    if (i > 0) out.raw(format.separator);
    format.item(spans[i]!, out);
  }
  out.raw(format.close);
  return out.text();
}

/** The last cluster upstreamService() was asked about, and its answer: a sidecar calls a few clusters, each many times. */
let lastCluster = '';
let lastService: string | undefined;

/** "outbound|8080|v1|user-service.default.svc.cluster.local" → "user-service.default". */
export function upstreamService(cluster: string | undefined): string | undefined {
  if (cluster === undefined) return undefined;
  if (cluster !== lastCluster) {
    lastService = serviceOfCluster(cluster);
    lastCluster = cluster;
  }
  return lastService;
}

function serviceOfCluster(cluster: string): string | undefined {
  if (!cluster.startsWith('outbound|')) return undefined;
  const host = cluster.slice(cluster.lastIndexOf('|') + 1);
  const parts = host.split('.');
  return parts.length >= 2 ? `${parts[0]!}.${parts[1]!}` : host;
}
