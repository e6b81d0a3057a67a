/**
 * Tracer: the sidecar's tracing, after Envoy's HTTP tracer. At the start of a request it reads the
 * incoming context (tracing-context.ts), decides once whether to sample (the edge decides: the
 * first sidecar that sees no decision; every later one honours it, sampled or not), and for a
 * sampled request opens a span — CLIENT on the outbound listener, SERVER on the inbound one —
 * whose id it writes into the request as the parent for the next hop. When the stream ends it
 * closes the span with Envoy's tags and hands it to every exporter: the control plane's trace
 * store and each collector of the config (tracing-export.ts batches them off the request path).
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
import { SPAN_LIMITS, type SpanRecord } from '../../model/trace.ts';
import type { StreamRecord } from '../http/connection-manager.ts';
import { getHeader, type HttpRequest, type Service, type StreamInfo } from '../http/message.ts';
import { readContext, writeContext } from './tracing-context.ts';
import { encodeOtlp, encodeZipkin } from './tracing-encode.ts';
import { DEFAULT_BATCH, SpanBatcher, type BatchOptions, type ExportStats, type SendBatch } from './tracing-export.ts';
import { newSpanId, newTraceId } from './tracing-ids.ts';

/** POSTs `body` to a collector; rejects unless it answers 2xx. */
export type PostBody = (url: string, contentType: string, body: string) => Promise<void>;

export interface TracerOptions {
  /** Delivers a batch to the control plane's trace store (POST /v1/proxies/:id/spans). */
  readonly sendToControlPlane: SendBatch;
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
  #service = '';
  readonly #active = new WeakMap<StreamInfo, ActiveSpan>();
  readonly #exporters = new Map<string, SpanBatcher>();
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
    this.#service = `${config.node.service}.${config.node.namespace}`;
    const wanted = new Map<string, SendBatch>();
    if (cfg !== undefined) {
      wanted.set(CONTROL_PLANE, this.#opts.sendToControlPlane);
      const version = this.#opts.version ?? '0';
      for (const e of cfg.exporters) {
        wanted.set(`${e.protocol} ${e.url}`, e.protocol === 'zipkin'
          ? (spans) => this.#post(e.url, 'application/json', encodeZipkin(spans))
          : (spans) => this.#post(e.url, 'application/json', encodeOtlp(spans, version)));
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

  #record(r: StreamRecord, span: ActiveSpan, cfg: TracingConfig): SpanRecord {
    const { request: req, info } = r;
    const node = this.#node!;
    const max = cfg.maxPathTagLength;
    const qs = req.path.indexOf('?');
    const status = info.responseCode;
    const tags: Record<string, string> = {
      component: 'proxy',
      node_id: node.id,
      'guid:x-request-id': cut(info.requestId, TAG_VALUE_MAX),
      'http.url': cut(`http://${req.authority}${req.path}`, Math.min(max, SPAN_LIMITS.maxValue)),
      'http.method': req.method,
      'http.protocol': r.protocol,
      'http.status_code': String(status),
      response_flags: info.responseFlags === '' ? '-' : info.responseFlags,
      request_size: String(req.body.received),
      response_size: String(r.bytesSent),
      upstream_cluster: info.upstreamCluster === '' ? (info.direction === 'inbound' ? info.routeName : '-') : info.upstreamCluster,
      'upstream_cluster.name': info.upstreamCluster === '' ? (info.direction === 'inbound' ? info.routeName : '-') : info.upstreamCluster,
      'peer.address': info.downstreamRemoteAddress,
      downstream_cluster: '-',
      'istio.canonical_service': node.labels['service.istio.io/canonical-name'] ?? node.labels['app'] ?? node.service,
      'istio.canonical_revision': node.labels['service.istio.io/canonical-revision'] ?? node.labels['version'] ?? 'latest',
      'istio.namespace': node.namespace,
      'istio.mesh_id': 'cluster.local',
    };
    const ua = getHeader(req.headers, 'user-agent');
    if (ua !== undefined) tags['user_agent'] = cut(ua, TAG_VALUE_MAX);
    if (info.upstreamHost !== '') tags['upstream_host'] = cut(info.upstreamHost, TAG_VALUE_MAX);
    if (info.peerIdentity !== '') tags['peer.identity'] = cut(info.peerIdentity, TAG_VALUE_MAX);
    // Custom tags fill what is left of the span's tag budget (the control plane refuses more).
    if (cfg.customTags.length > 0) {
      let count = 0;
      let text = 0;
      for (const k in tags) { count++; text += k.length + tags[k]!.length; }
      for (const t of cfg.customTags) {
        const v = t.kind === 'literal' ? t.value : getHeader(req.headers, t.header) ?? t.defaultValue;
        if (v === undefined) continue;
        const key = cut(t.tag, SPAN_LIMITS.maxName);
        const value = cut(v, TAG_VALUE_MAX);
        // Room is kept for the "error" tag below.
        if (count + 2 > SPAN_LIMITS.maxTags || text + key.length + value.length + 10 > SPAN_LIMITS.maxTagText) break;
        count++;
        text += key.length + value.length;
        tags[key] = value;
      }
    }
    const error = status === 0 || status >= 500;
    if (error) tags['error'] = 'true';
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
      ...(span.parentSpanId === '' ? {} : { parentSpanId: span.parentSpanId }),
      name: cut(`${req.method} ${qs < 0 ? req.path : req.path.slice(0, qs)}`, Math.min(max, SPAN_LIMITS.maxName)),
      kind: info.direction === 'outbound' ? 'CLIENT' : 'SERVER',
      startUs: Math.round((Date.now() - (nowMono - info.startMono)) * 1000),
      durationUs: Math.max(1, Math.round((endMono - info.startMono) * 1000)),
      service: this.#service,
      node: node.id,
      error,
      tags,
    };
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

  #httpPost: PostBody = (url, contentType, body) => new Promise((resolve, reject) => {
    this.#agent ??= new http.Agent({ keepAlive: true, maxSockets: 2 });
    const req = http.request(url, { method: 'POST', agent: this.#agent, timeout: POST_TIMEOUT_MS, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve();
        else reject(new Error(`${url} answered ${code}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer within ${POST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max);
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
