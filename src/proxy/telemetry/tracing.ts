/**
 * Tracer: the sidecar's tracing, after Envoy's HTTP tracer. At the start of a request it reads the
 * incoming context (tracing-context.ts), decides once whether to sample (the edge decides: the
 * first sidecar that sees no decision; every later one honours it, sampled or not), and for a
 * sampled request opens a span — CLIENT on the outbound listener, SERVER on the inbound one —
 * whose id it writes into the request as the parent for the next hop. When the stream ends it
 * closes the span with Envoy's tags and hands it to every collector of the config and, within a
 * budget, to the control plane's trace store (tracing-export.ts batches them off the request path;
 * tracing-encode.ts writes the bodies).
 *
 * The trace store's share. The control plane keeps the last few thousand spans for `weft traces`;
 * sending it every span of a busy mesh would cost each sidecar an encoding and an upload per
 * request and the control plane a parse per span, for spans it evicts a moment later. So each
 * sidecar sends it at most STORE_SPANS_PER_SECOND spans a second, chosen by trace id: a span goes
 * when the low 32 bits of its trace id, as a fraction of 2^32, are below the sidecar's share,
 * which each second becomes budget ÷ the spans sampled the second before (1 while under budget).
 * Sidecars of one call path see about the same rate, so they choose the same traces and the store
 * keeps whole traces; collectors get every sampled span.
 *
 *   app ─▶ outbound: ctx? decide ─▶ CLIENT span c (parent = app's ctx) ─▶ traceparent …-c-01 ─▶
 *          peer inbound: decision honoured ─▶ SERVER span s (parent = c) ─▶ traceparent …-s-01 ─▶ app
 *
 * Cost when tracing is off (no ProxyConfig.telemetry.tracing): one field read per request; trace
 * headers pass through untouched. When on but not sampled: one scan of the header names, and at
 * the edge two constant strings (x-b3-sampled: 0) so that the hops behind it agree.
 */
import * as http from 'node:http';
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { CustomTag, ProxyConfig, TraceExporter, TracingConfig } from '../../model/proxy-config.ts';
import { badHeaderValue } from '../../model/validate-telemetry.ts';
import { SPAN_LIMITS } from '../../model/trace.ts';
import type { StreamRecord } from '../http/connection-manager.ts';
import { getHeader, type HttpRequest, type OpenSpan, type Service } from '../http/message.ts';
import { readContext, writeContext } from './tracing-context.ts';
import { CONTROL_PLANE_FORMAT, ZIPKIN_FORMAT, otlpFormat } from './tracing-encode.ts';
import { DEFAULT_BATCH, SpanBatcher, type BatchFormat, type BatchOptions, type ExportStats, type SendBatch } from './tracing-export.ts';
import { newSpanId, newTraceId } from './tracing-ids.ts';
import { FinishedSpan, SpanOrigin } from './tracing-span.ts';

/** How a batch is POSTed to one collector: extra headers (resolved) and the time it may take. */
export interface PostOptions {
  readonly headers: readonly (readonly [string, string])[];
  readonly timeoutMs: number;
}

/**
 * POSTs `body` to a collector; rejects unless it answers 2xx within the timeout, else resolves with
 * whether the body is no longer held (SendBatch).
 */
export type PostBody = (url: string, contentType: string, body: Buffer, opts: PostOptions) => Promise<boolean | void>;

export interface TracerOptions {
  /** Delivers a SpanBatch, as JSON bytes, to the control plane's trace store (POST /v1/proxies/:id/spans). */
  /** As SendBatch: resolves with whether the body is no longer held. */
  readonly sendToControlPlane: (json: Buffer) => Promise<boolean | void>;
  /** The trace store's budget (spans per second; default STORE_SPANS_PER_SECOND). */
  readonly storeSpansPerSecond?: number;
  /** Default: node:http with keep-alive, the exporter's headers and timeout (5 s unless configured). */
  readonly post?: PostBody;
  readonly clock?: Clock;
  /** Uniform [0, 1) for the sampling decision; default Math.random. */
  readonly random?: () => number;
  readonly batch?: Partial<Omit<BatchOptions, 'clock'>>;
  /** Reported as the OTLP scope version. */
  readonly version?: string;
  /** Where an exporter header's envName is looked up; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface TracerStats {
  readonly enabled: boolean;
  readonly samplingPercent: number;
  /** The share of sampled traces this sidecar sends the control plane's trace store now (0–1). */
  readonly storeShare: number;
  /** Sampled spans not sent to the trace store (over its budget); collectors got them. */
  readonly notStored: number;
  readonly exporters: readonly (ExportStats & { readonly target: string; readonly queued: number })[];
}

const CONTROL_PLANE = 'control-plane';
/** Spans per second one sidecar sends the control plane's trace store (see the file comment). */
export const STORE_SPANS_PER_SECOND = 100;
/** Istio's mesh id when none is configured. */
const MESH_ID = 'cluster.local';
const TWO_POW_32 = 4294967296;
const POST_TIMEOUT_MS = 5_000;
/** Cap of every tag value the sidecar sets from request data (well under SPAN_LIMITS.maxValue, so that ~20 tags fit the span's text budget). */
const TAG_VALUE_MAX = 256;
/** How long a draining sidecar waits for its last span batches. */
const CLOSE_DEADLINE_MS = 2_000;

export class Tracer {
  #cfg: TracingConfig | undefined;
  #origin: SpanOrigin | null = null;
  /** The collectors of the config; the trace store's batcher is apart (it gets only its share). */
  readonly #exporters = new Map<string, SpanBatcher<FinishedSpan>>();
  /** #exporters' values, for the loop every span goes through (no iterator per span). */
  #exporterList: SpanBatcher<FinishedSpan>[] = [];
  #store: SpanBatcher<FinishedSpan> | null = null;
  readonly #storeBudget: number;
  #storeShare = 1;
  #windowStart = 0;
  /** Spans sampled, and spans sent to the store, in the current one-second window. */
  #windowSpans = 0;
  #windowStored = 0;
  #notStored = 0;
  readonly #opts: TracerOptions;
  readonly #random: () => number;
  readonly #batch: BatchOptions;
  readonly #post: PostBody;
  readonly #env: NodeJS.ProcessEnv;
  #agent: http.Agent | null = null;
  #lastText: RequestText | null = null;
  /** See #wallOffset. */
  #offset = 0;
  #offsetAt = -Infinity;

  constructor(opts: TracerOptions) {
    this.#opts = opts;
    this.#random = opts.random ?? Math.random;
    this.#batch = { ...DEFAULT_BATCH, ...opts.batch, clock: opts.clock ?? systemClock };
    this.#env = opts.env ?? process.env;
    this.#post = opts.post ?? this.#httpPost;
    this.#storeBudget = opts.storeSpansPerSecond ?? STORE_SPANS_PER_SECOND;
  }

  get enabled(): boolean {
    return this.#cfg !== undefined;
  }

  /** Takes the tracing settings of a newly applied config; exporters no longer named are flushed and closed. */
  update(config: Pick<ProxyConfig, 'node' | 'telemetry'>): void {
    const cfg = config.telemetry?.tracing;
    this.#cfg = cfg === undefined ? undefined : withEnvironmentTags(cfg, this.#env);
    this.#origin = new SpanOrigin(config.node, MESH_ID);
    // Keyed by everything that shapes an exporter's requests (a changed header or timeout makes a new
    // one); shown by its protocol and URL only, since header values may be credentials.
    const wanted = new Map<string, [string, BatchFormat<FinishedSpan>, SendBatch]>();
    if (cfg !== undefined) {
      const version = this.#opts.version ?? '0';
      for (const e of cfg.exporters) {
        const post = postOptions(e, this.#env);
        wanted.set(`${e.protocol} ${e.url} ${JSON.stringify(post)}`, [`${e.protocol} ${e.url}`, e.protocol === 'zipkin' ? ZIPKIN_FORMAT : otlpFormat(version), (body) => this.#post(e.url, 'application/json', body, post)]);
      }
      // The control plane takes at most SPAN_LIMITS.maxBatch spans per POST.
      this.#store ??= new SpanBatcher(CONTROL_PLANE, CONTROL_PLANE_FORMAT, (body) => this.#opts.sendToControlPlane(body), { ...this.#batch, batchSize: Math.min(this.#batch.batchSize, SPAN_LIMITS.maxBatch) });
    } else if (this.#store !== null) {
      void this.#store.close();
      this.#store = null;
    }
    for (const [key, b] of this.#exporters) {
      if (wanted.has(key)) continue;
      this.#exporters.delete(key);
      void b.close();
    }
    for (const [key, [target, format, send]] of wanted) if (!this.#exporters.has(key)) this.#exporters.set(key, new SpanBatcher(target, format, send, this.#batch));
    this.#exporterList = [...this.#exporters.values()];
  }

  /** At the start of a request, before routing: the decision, the span, the rewritten trace headers. */
  start(req: HttpRequest): void {
    const cfg = this.#cfg;
    if (cfg === undefined) return;
    const headers = req.headers;
    const ctx = readContext(headers);
    let sampled = ctx === null ? null : ctx.sampled;
    if (sampled === null) {
      const pct = cfg.samplingPercent;
      sampled = pct >= 100 || (pct > 0 && this.#random() * 100 < pct);
      if (!sampled) {
        // The edge said no: say so downstream, or the next sidecar would decide again.
        headers.push('x-b3-sampled', '0');
        return;
      }
    }
    if (!sampled) return;
    const continued = ctx !== null && ctx.traceId !== '';
    const traceId = continued ? ctx.traceId : newTraceId();
    const parentSpanId = continued ? ctx.spanId : '';
    const spanId = newSpanId();
    writeContext(headers, traceId, spanId, parentSpanId, ctx?.debug ?? false, ctx?.single ?? false);
    req.info.span = { traceId, spanId, parentSpanId };
  }

  /** When the stream ends: close its span, if it has one, and queue it for every exporter. */
  end(record: StreamRecord): void {
    const info = record.info;
    const span = info.span;
    if (span === null) return;
    info.span = null;
    const cfg = this.#cfg;
    if (cfg === undefined) return;
    const s = this.#record(record, span, cfg, this.#origin!);
    for (const b of this.#exporterList) b.add(s);
    if (this.#store !== null && this.#forStore(s.traceId)) this.#store.add(s);
  }

  /** Whether this trace is in the store's share now (see the file comment); counts the span either way. */
  #forStore(traceId: string): boolean {
    const now = this.#batch.clock.monotonic();
    if (now - this.#windowStart >= 1000) {
      // The share of the coming second from the rate of the last one (or of a longer quiet spell: then all).
      const perSecond = now - this.#windowStart < 2000 ? this.#windowSpans : 0;
      this.#storeShare = perSecond <= this.#storeBudget ? 1 : this.#storeBudget / perSecond;
      this.#windowStart = now;
      this.#windowSpans = 0;
      this.#windowStored = 0;
    }
    this.#windowSpans++;
    // A burst within the second is held to twice the budget (then traces may come incomplete).
    if (this.#windowStored < 2 * this.#storeBudget && (this.#storeShare >= 1 || low32(traceId) / TWO_POW_32 < this.#storeShare)) {
      this.#windowStored++;
      return true;
    }
    this.#notStored++;
    return false;
  }

  #record(r: StreamRecord, span: OpenSpan, cfg: TracingConfig, origin: SpanOrigin): FinishedSpan {
    const { request: req, info } = r;
    const text = this.#requestText(req, cfg.maxPathTagLength);
    const ua = getHeader(req.headers, 'user-agent');
    const status = info.responseCode;
    const cluster = info.upstreamCluster === '' ? (info.direction === 'inbound' ? info.routeName : '-') : info.upstreamCluster;
    // Envoy's tags after the origin's (tracing-span.ts); the request's text is cut so that the
    // whole span stays within what the control plane takes (SPAN_LIMITS). The first LEADING_TAGS
    // are the ones that repeat request after request on one route (FinishedSpan.leading).
    const all: (string | undefined)[] = [
      'http.method', req.method,
      'http.protocol', r.protocol,
      'http.status_code', decimal(status),
      'response_flags', info.responseFlags === '' ? '-' : info.responseFlags,
      'request_size', decimal(req.body.received),
      'response_size', decimal(r.bytesSent),
      'http.url', text.url,
      'upstream_cluster', cluster,
      'upstream_cluster.name', cluster,
      'peer.address', info.downstreamRemoteAddress,
      'guid:x-request-id', cut(info.requestId, TAG_VALUE_MAX),
      // The tags a request may lack, in the same literal (pushing them grew the array, a copy per
      // span); those it lacks are then closed up.
      'user_agent', ua === undefined ? undefined : cut(ua, TAG_VALUE_MAX),
      'upstream_host', info.upstreamHost === '' ? undefined : cut(info.upstreamHost, TAG_VALUE_MAX),
      'peer.identity', info.peerIdentity === '' ? undefined : cut(info.peerIdentity, TAG_VALUE_MAX),
    ];
    let n = ALWAYS_TAGS;
    for (let i = ALWAYS_TAGS; i < all.length; i += 2) {
      if (all[i + 1] === undefined) continue;
      all[n] = all[i];
      all[n + 1] = all[i + 1];
      n += 2;
    }
    all.length = n;
    const tags = all as string[];
    if (cfg.customTags.length > 0) addCustomTags(tags, origin.tags, cfg, req);
    const error = status === 0 || status >= 500;
    if (error) tags.push('error', 'true');
    // The span ends when the upstream exchange ended (the last response byte came in), not when
    // this process got round to the stream's end: on a busy host that can be milliseconds later,
    // after the caller's own span closed. Causally server end < client end, so spans nest. The
    // start is placed on the wall clock by the offset between the wall clock and the monotonic one
    // (#wallOffset, read at most once a second), so spans of processes started at different times
    // share one clock even if the wall clock was stepped.
    const endMono = info.upstreamEndMono > info.startMono ? info.upstreamEndMono : performance.now();
    return new FinishedSpan(
      origin,
      span.traceId,
      span.spanId,
      span.parentSpanId,
      text.name,
      info.direction === 'outbound' ? 'CLIENT' : 'SERVER',
      Math.round((this.#wallOffset(endMono) + info.startMono) * 1000),
      Math.max(1, Math.round((endMono - info.startMono) * 1000)),
      error,
      tags,
      LEADING_TAGS,
    );
  }

  /**
   * Wall-clock ms minus monotonic ms, read again when `mono` is a second past the last reading: a
   * span's start is placed on the wall clock by it without reading either clock per span, and a
   * step of the wall clock shows in the spans within a second.
   */
  #wallOffset(mono: number): number {
    // Keyed to `mono`, not to the time of the reading: a span that ended just before a reading but
    // is recorded just after it must not set off another one.
    if (mono - this.#offsetAt >= 1000) {
      this.#offsetAt = mono;
      this.#offset = Date.now() - performance.now();
    }
    return this.#offset;
  }

  /**
   * The span name ("GET /path", no query) and http.url of a request, cut to the config's length;
   * remembered for the next request with the same method, authority and path (a sidecar sees the
   * same few calls over and over), so that they are not made again.
   */
  #requestText(req: HttpRequest, max: number): RequestText {
    const last = this.#lastText;
    if (last !== null && last.path === req.path && last.authority === req.authority && last.method === req.method && last.max === max) return last;
    const qs = req.path.indexOf('?');
    const text: RequestText = {
      method: req.method,
      authority: req.authority,
      path: req.path,
      max,
      url: cut(`http://${req.authority}${req.path}`, Math.min(max, SPAN_LIMITS.maxValue)),
      name: cut(`${req.method} ${qs < 0 ? req.path : req.path.slice(0, qs)}`, Math.min(max, SPAN_LIMITS.maxName)),
    };
    this.#lastText = text;
    return text;
  }

  stats(): TracerStats {
    const batchers = this.#store === null ? [...this.#exporters.values()] : [this.#store, ...this.#exporters.values()];
    return {
      enabled: this.#cfg !== undefined,
      samplingPercent: this.#cfg?.samplingPercent ?? 0,
      storeShare: this.#storeShare,
      notStored: this.#notStored,
      exporters: batchers.map((b) => ({ target: b.target, queued: b.queued, ...b.stats })),
    };
  }

  /** Flushes every exporter and stops; gives up after `deadlineMs` (a hung collector must not hold a draining sidecar). */
  async close(deadlineMs = CLOSE_DEADLINE_MS): Promise<void> {
    this.#cfg = undefined;
    const all = [...this.#exporters.values(), ...(this.#store === null ? [] : [this.#store])];
    this.#exporters.clear();
    this.#exporterList = [];
    this.#store = null;
    let timer: { cancel(): void } | undefined;
    const deadline = new Promise<void>((resolve) => { timer = this.#batch.clock.setTimeout(resolve, deadlineMs); });
    await Promise.race([Promise.all(all.map((b) => b.close())), deadline]);
    timer?.cancel();
    this.#agent?.destroy();
  }

  #httpPost: PostBody = (url, contentType, body, opts) => new Promise((resolve, reject) => {
    this.#agent ??= new http.Agent({ keepAlive: true, maxSockets: 2 });
    const headers: Record<string, string | number> = {};
    for (const [name, value] of opts.headers) headers[name] = value;
    headers['content-type'] = contentType;
    headers['content-length'] = Buffer.byteLength(body);
    const timeoutMs = opts.timeoutMs;
    // The whole exchange is bounded (Envoy's http_service timeout), not only a quiet socket.
    const signal = AbortSignal.timeout(timeoutMs);
    const req = http.request(url, { method: 'POST', agent: this.#agent, signal, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        // writableFinished: every byte of the body went to the operating system (SendBatch).
        if (code >= 200 && code < 300) resolve(req.writableFinished);
        else reject(new Error(`${url} answered ${code}`));
      });
      res.on('error', reject);
    });
    req.on('error', (err) => reject(signal.aborted ? new Error(`${url} did not answer within ${timeoutMs} ms`) : err));
    req.end(body);
  });
}

/**
 * An exporter's request settings: its headers with environment variables read once per config
 * (from this sidecar's environment; an unset variable, or one no header could carry, sends no header), and its timeout.
 */
export function postOptions(e: TraceExporter, env: NodeJS.ProcessEnv): PostOptions {
  const headers: [string, string][] = [];
  for (const h of e.headers ?? []) {
    const value = 'value' in h ? h.value : env[h.envName];
    // A variable's value is checked here as config values are at apply: one Node would refuse is left out.
    if (value !== undefined && !badHeaderValue(value)) headers.push([h.name.toLowerCase(), value]);
  }
  return { headers, timeoutMs: e.timeoutMs ?? POST_TIMEOUT_MS };
}

/** The entries of the tags every span has (11 pairs); the optional ones follow. */
const ALWAYS_TAGS = 22;

/** The tags #record puts first that repeat from request to request on one route (method … upstream_cluster.name). */
const LEADING_TAGS = 9;

/** The low 32 bits of a trace id (its last 8 hex digits) as a number, read in place. */
function low32(traceId: string): number {
  let v = 0;
  for (let i = traceId.length - 8; i < traceId.length; i++) {
    const c = traceId.charCodeAt(i);
    v = v * 16 + (c <= 57 ? c - 48 : c - 87);
  }
  return v;
}

/** What #requestText made for one method, authority and path. */
interface RequestText {
  readonly method: string;
  readonly authority: string;
  readonly path: string;
  readonly max: number;
  readonly url: string;
  readonly name: string;
}

/** Decimal text of the small numbers tags carry (status codes, body sizes), made once each. */
const DECIMALS: string[] = [];
const DECIMALS_MAX = 4096;

function decimal(n: number): string {
  if (n >= 0 && n < DECIMALS_MAX && Number.isInteger(n)) return (DECIMALS[n] ??= String(n));
  return String(n);
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max);
}

/**
 * Istio's environment custom tags, resolved once per config from this sidecar's environment: the
 * variable's value, else its defaultValue, else no tag. What is left per request are literal and
 * header tags.
 */
export function withEnvironmentTags(cfg: TracingConfig, env: NodeJS.ProcessEnv): TracingConfig {
  if (!cfg.customTags.some((t) => t.kind === 'environment')) return cfg;
  const customTags: CustomTag[] = [];
  for (const t of cfg.customTags) {
    if (t.kind !== 'environment') customTags.push(t);
    else {
      const value = env[t.name] ?? t.defaultValue;
      if (value !== undefined) customTags.push({ tag: t.tag, kind: 'literal', value });
    }
  }
  return { ...cfg, customTags };
}

/**
 * Istio's customTags, after Envoy's: a tag of the same name as a standard one replaces its value;
 * new ones fill what is left of the span's tag budget (the control plane refuses more), keeping
 * room for the "error" tag.
 */
function addCustomTags(tags: string[], originTags: readonly string[], cfg: TracingConfig, req: HttpRequest): void {
  let count = (tags.length + originTags.length) / 2;
  let text = 0;
  for (const list of [originTags, tags]) for (const t of list) text += t.length;
  for (const t of cfg.customTags) {
    // Environment tags became literal ones when the config came (withEnvironmentTags).
    const v = t.kind === 'literal' ? t.value : t.kind === 'header' ? getHeader(req.headers, t.header) ?? t.defaultValue : undefined;
    if (v === undefined) continue;
    const key = cut(t.tag, SPAN_LIMITS.maxName);
    const value = cut(v, TAG_VALUE_MAX);
    const at = tags.indexOf(key);
    if (at >= 0 && at % 2 === 0) {
      if (text - tags[at + 1]!.length + value.length + 10 > SPAN_LIMITS.maxTagText) break;
      text += value.length - tags[at + 1]!.length;
      tags[at + 1] = value;
      continue;
    }
    if (count + 2 > SPAN_LIMITS.maxTags || text + key.length + value.length + 10 > SPAN_LIMITS.maxTagText) break;
    count++;
    text += key.length + value.length;
    tags.push(key, value);
  }
}

/**
 * The tracer as a listener layer, rebuilt only when the listener's pipeline changes (a new config
 * version): per request one identity check, no new closure.
 */
export function tracedLayer(tracer: Tracer): (inner: Service) => Service {
  let lastIn: Service | null = null;
  let lastOut: Service | null = null;
  return (inner) => {
    if (inner !== lastIn || lastOut === null) {
      lastIn = inner;
      lastOut = (req) => {
        tracer.start(req);
        return inner(req);
      };
    }
    return lastOut;
  };
}
