/**
 * Tracer: the sidecar's tracing, after Envoy's HTTP tracer. At the start of a request it reads the
 * incoming context (tracing-context.ts), decides once whether to sample (the edge decides: the
 * first sidecar that sees no decision; every later one honours it, sampled or not), and for a
 * sampled request opens a span — CLIENT on the outbound listener, SERVER on the inbound one —
 * whose id it writes into the request as the parent for the next hop. When the stream ends it
 * closes the span with Envoy's tags and hands it to every exporter: the control plane's trace
 * store and each collector of the config (tracing-export.ts batches them off the request path).
 * The span is kept lean — its per-request values and a pointer to the config's constant tags,
 * encoded once per config — and each exporter encodes a batch as a string when it sends it
 * (tracing-encode.ts).
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
import type { NodeInfo, ProxyConfig, TracingConfig } from '../../model/proxy-config.ts';
import { SPAN_LIMITS } from '../../model/trace.ts';
import type { StreamRecord } from '../http/connection-manager.ts';
import { getHeader, type HttpRequest, type Service, type StreamInfo } from '../http/message.ts';
import { postBody } from './http-post.ts';
import { readContext, writeContext } from './tracing-context.ts';
import { encodeOtlpSpans, encodeSpanBatch, encodeZipkinSpans, REQUEST_KEYS, REQUEST_KEYS_TEXT, RESERVED_TAGS, spanConstants, type FinishedSpan, type SpanConstants } from './tracing-encode.ts';
import { DEFAULT_BATCH, SpanBatcher, type BatchOptions, type ExportStats, type SendBatch } from './tracing-export.ts';
import { newSpanId, newTraceId } from './tracing-ids.ts';

/** POSTs `body` to a collector; rejects unless it answers 2xx. */
export type PostBody = (url: string, contentType: string, body: string) => Promise<void>;

export interface TracerOptions {
  /** Delivers a batch to the control plane's trace store: `body` is the JSON text of a SpanBatch (POST /v1/proxies/:id/spans). */
  readonly sendToControlPlane: (body: string) => Promise<void>;
  /** Default: node:http with keep-alive and a 5 s timeout. */
  readonly post?: PostBody;
  readonly clock?: Clock;
  /** Uniform [0, 1) for the sampling decision; default Math.random. */
  readonly random?: () => number;
  readonly batch?: Partial<Omit<BatchOptions, 'clock'>>;
  /** Reported as the OTLP scope version. */
  readonly version?: string;
}

interface ActiveSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
}

export interface TracerStats {
  readonly enabled: boolean;
  readonly samplingPercent: number;
  readonly exporters: readonly (ExportStats & { readonly target: string; readonly queued: number })[];
}

const CONTROL_PLANE = 'control-plane';
const POST_TIMEOUT_MS = 5_000;
/** Cap of every tag value the sidecar sets from request data (well under SPAN_LIMITS.maxValue, so that ~20 tags fit the span's text budget). */
const TAG_VALUE_MAX = 256;
/** How long a draining sidecar waits for its last span batches. */
const CLOSE_DEADLINE_MS = 2_000;

export class Tracer {
  #cfg: TracingConfig | undefined;
  #node: NodeInfo | null = null;
  #consts: SpanConstants | null = null;
  /** The config's custom tags have keys of their own (none shadows a tag the tracer sets): they can be spliced after the tracer's. */
  #plainCustom = true;
  readonly #active = new WeakMap<StreamInfo, ActiveSpan>();
  readonly #exporters = new Map<string, SpanBatcher<FinishedSpan>>();
  readonly #opts: TracerOptions;
  readonly #random: () => number;
  readonly #batch: BatchOptions;
  readonly #post: PostBody;
  #agent: http.Agent | null = null;

  constructor(opts: TracerOptions) {
    this.#opts = opts;
    this.#random = opts.random ?? Math.random;
    this.#batch = { ...DEFAULT_BATCH, ...opts.batch, clock: opts.clock ?? systemClock };
    this.#post = opts.post ?? this.#httpPost;
  }

  get enabled(): boolean {
    return this.#cfg !== undefined;
  }

  /** Takes the tracing settings of a newly applied config; exporters no longer named are flushed and closed. */
  update(config: Pick<ProxyConfig, 'node' | 'telemetry'>): void {
    const cfg = config.telemetry?.tracing;
    this.#cfg = cfg;
    this.#node = config.node;
    // Spans already queued keep the constants they were recorded with.
    this.#consts = spanConstants(config.node);
    this.#plainCustom = cfg === undefined || plainKeys(cfg.customTags.map((t) => cut(t.tag, SPAN_LIMITS.maxName)));
    const wanted = new Map<string, SendBatch<FinishedSpan>>();
    if (cfg !== undefined) {
      const cp = this.#opts.sendToControlPlane;
      wanted.set(CONTROL_PLANE, (spans) => cp(encodeSpanBatch(spans)));
      const version = this.#opts.version ?? '0';
      for (const e of cfg.exporters) {
        wanted.set(`${e.protocol} ${e.url}`, e.protocol === 'zipkin'
          ? (spans) => this.#post(e.url, 'application/json', encodeZipkinSpans(spans))
          : (spans) => this.#post(e.url, 'application/json', encodeOtlpSpans(spans, version)));
      }
    }
    for (const [key, b] of this.#exporters) {
      if (wanted.has(key)) continue;
      this.#exporters.delete(key);
      void b.close();
    }
    for (const [key, send] of wanted) if (!this.#exporters.has(key)) this.#exporters.set(key, new SpanBatcher(key, send, this.#batch));
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
    this.#active.set(req.info, { traceId, spanId, parentSpanId });
  }

  /** When the stream ends: close its span, if it has one, and queue it for every exporter. */
  end(record: StreamRecord): void {
    const info = record.info;
    const span = this.#active.get(info);
    if (span === undefined) return;
    this.#active.delete(info);
    const cfg = this.#cfg;
    if (cfg === undefined) return;
    const s = this.#record(record, span, cfg);
    for (const b of this.#exporters.values()) b.add(s);
  }

  #record(r: StreamRecord, span: ActiveSpan, cfg: TracingConfig): FinishedSpan {
    const { request: req, info } = r;
    const consts = this.#consts!;
    const max = cfg.maxPathTagLength;
    const qs = req.path.indexOf('?');
    const status = info.responseCode;
    const requestId = cut(info.requestId, TAG_VALUE_MAX);
    const url = cut(`http://${req.authority}${req.path}`, Math.min(max, SPAN_LIMITS.maxValue));
    const responseFlags = info.responseFlags === '' ? '-' : info.responseFlags;
    const upstreamCluster = info.upstreamCluster === '' ? (info.direction === 'inbound' ? info.routeName : '-') : info.upstreamCluster;
    const ua = getHeader(req.headers, 'user-agent');
    const userAgent = ua === undefined ? undefined : cut(ua, TAG_VALUE_MAX);
    const upstreamHost = info.upstreamHost === '' ? '' : cut(info.upstreamHost, TAG_VALUE_MAX);
    const peerIdentity = info.peerIdentity === '' ? '' : cut(info.peerIdentity, TAG_VALUE_MAX);
    const error = status === 0 || status >= 500;
    let custom: string[] | null = null;
    let tags: Record<string, string> | null = null;
    if (cfg.customTags.length > 0) {
      if (this.#plainCustom) {
        // The budget as the tag object below would count it: the constants, the per-request tags, the optional ones.
        let count = consts.count + REQUEST_KEYS;
        let text = consts.text + REQUEST_KEYS_TEXT + requestId.length + url.length + req.method.length + r.protocol.length + String(status).length
          + responseFlags.length + String(req.body.received).length + String(r.bytesSent).length + 2 * upstreamCluster.length + info.downstreamRemoteAddress.length;
        if (userAgent !== undefined) { count++; text += 'user_agent'.length + userAgent.length; }
        if (upstreamHost !== '') { count++; text += 'upstream_host'.length + upstreamHost.length; }
        if (peerIdentity !== '') { count++; text += 'peer.identity'.length + peerIdentity.length; }
        custom = [];
        for (const t of cfg.customTags) {
          const v = t.kind === 'literal' ? t.value : getHeader(req.headers, t.header) ?? t.defaultValue;
          if (v === undefined) continue;
          const key = cut(t.tag, SPAN_LIMITS.maxName);
          const value = cut(v, TAG_VALUE_MAX);
          // Room is kept for the "error" tag.
          if (count + 2 > SPAN_LIMITS.maxTags || text + key.length + value.length + 10 > SPAN_LIMITS.maxTagText) break;
          count++;
          text += key.length + value.length;
          custom.push(key, value);
        }
      } else {
        tags = this.#tagObject(r, cfg, consts, { requestId, url, responseFlags, upstreamCluster, userAgent, upstreamHost, peerIdentity, error });
      }
    }
    // The span ends when the upstream exchange ended (the last response byte came in), not when
    // this process got round to the stream's end: on a busy host that can be milliseconds later,
    // after the caller's own span closed. Causally server end < client end, so spans nest. The
    // start is placed on the wall clock now (Date.now minus the elapsed monotonic time), so spans
    // of processes started at different times share one clock even if the wall clock was stepped.
    const nowMono = performance.now();
    const endMono = info.upstreamEndMono > info.startMono ? info.upstreamEndMono : nowMono;
    return {
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      name: cut(`${req.method} ${qs < 0 ? req.path : req.path.slice(0, qs)}`, Math.min(max, SPAN_LIMITS.maxName)),
      kind: info.direction === 'outbound' ? 'CLIENT' : 'SERVER',
      startUs: Math.round((Date.now() - (nowMono - info.startMono)) * 1000),
      durationUs: Math.max(1, Math.round((endMono - info.startMono) * 1000)),
      error,
      consts,
      tags,
      requestId,
      url,
      method: req.method,
      protocol: r.protocol,
      status,
      responseFlags,
      requestSize: req.body.received,
      responseSize: r.bytesSent,
      upstreamCluster,
      peerAddress: info.downstreamRemoteAddress,
      userAgent,
      upstreamHost,
      peerIdentity,
      custom,
    };
  }

  /**
   * The whole tag object, for a config whose custom tags shadow the tracer's own keys (or each
   * other's, or are array indexes that an object would list first): assignment order decides
   * which value stays and where, as it always did. Off the common path.
   */
  #tagObject(r: StreamRecord, cfg: TracingConfig, consts: SpanConstants, v: { requestId: string; url: string; responseFlags: string; upstreamCluster: string; userAgent: string | undefined; upstreamHost: string; peerIdentity: string; error: boolean }): Record<string, string> {
    const { request: req, info } = r;
    const node = this.#node!;
    const tags: Record<string, string> = {
      component: 'proxy',
      node_id: consts.node,
      'guid:x-request-id': v.requestId,
      'http.url': v.url,
      'http.method': req.method,
      'http.protocol': r.protocol,
      'http.status_code': String(info.responseCode),
      response_flags: v.responseFlags,
      request_size: String(req.body.received),
      response_size: String(r.bytesSent),
      upstream_cluster: v.upstreamCluster,
      'upstream_cluster.name': v.upstreamCluster,
      'peer.address': info.downstreamRemoteAddress,
      downstream_cluster: '-',
      'istio.canonical_service': node.labels['service.istio.io/canonical-name'] ?? node.labels['app'] ?? node.service,
      'istio.canonical_revision': node.labels['service.istio.io/canonical-revision'] ?? node.labels['version'] ?? 'latest',
      'istio.namespace': node.namespace,
      'istio.mesh_id': 'cluster.local',
    };
    if (v.userAgent !== undefined) tags['user_agent'] = v.userAgent;
    if (v.upstreamHost !== '') tags['upstream_host'] = v.upstreamHost;
    if (v.peerIdentity !== '') tags['peer.identity'] = v.peerIdentity;
    let count = 0;
    let text = 0;
    for (const k in tags) { count++; text += k.length + tags[k]!.length; }
    for (const t of cfg.customTags) {
      const value = t.kind === 'literal' ? t.value : getHeader(req.headers, t.header) ?? t.defaultValue;
      if (value === undefined) continue;
      const key = cut(t.tag, SPAN_LIMITS.maxName);
      const val = cut(value, TAG_VALUE_MAX);
      // Room is kept for the "error" tag below.
      if (count + 2 > SPAN_LIMITS.maxTags || text + key.length + val.length + 10 > SPAN_LIMITS.maxTagText) break;
      count++;
      text += key.length + val.length;
      tags[key] = val;
    }
    if (v.error) tags['error'] = 'true';
    return tags;
  }

  stats(): TracerStats {
    return {
      enabled: this.#cfg !== undefined,
      samplingPercent: this.#cfg?.samplingPercent ?? 0,
      exporters: [...this.#exporters.values()].map((b) => ({ target: b.target, queued: b.queued, ...b.stats })),
    };
  }

  /** Flushes every exporter and stops; gives up after `deadlineMs` (a hung collector must not hold a draining sidecar). */
  async close(deadlineMs = CLOSE_DEADLINE_MS): Promise<void> {
    this.#cfg = undefined;
    const all = [...this.#exporters.values()];
    this.#exporters.clear();
    let timer: { cancel(): void } | undefined;
    const deadline = new Promise<void>((resolve) => { timer = this.#batch.clock.setTimeout(resolve, deadlineMs); });
    await Promise.race([Promise.all(all.map((b) => b.close())), deadline]);
    timer?.cancel();
    this.#agent?.destroy();
  }

  #httpPost: PostBody = (url, contentType, body) => {
    // Two sockets per collector: the batcher may have two batches in flight.
    this.#agent ??= new http.Agent({ keepAlive: true, maxSockets: 2 });
    return postBody(url, contentType, body, { agent: this.#agent, timeoutMs: POST_TIMEOUT_MS });
  };
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max);
}

/** Custom tag keys that an object would keep in config order after the tracer's own: none reserved, repeated, an array index or __proto__. */
function plainKeys(keys: readonly string[]): boolean {
  const seen = new Set<string>();
  for (const k of keys) {
    if (RESERVED_TAGS.has(k) || seen.has(k) || k === '__proto__' || /^(0|[1-9]\d{0,9})$/.test(k)) return false;
    seen.add(k);
  }
  return true;
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
