// node bench/micro/tracing.bench.ts [requests]
// What 100 % sampling costs one sidecar per request, in-process and on CPU time: Tracer.start()
// (read the context, decide, rewrite the trace headers), Tracer.end() (close the span with Envoy's
// tags, queue it), and the encoding of every exporter's batch body (the control plane's trace
// store and a Zipkin v2 collector, as the benchmark's weft-trace-100 chain has; OTLP/HTTP JSON
// timed alone). Sending is not timed: the sockets' cost shows in the end-to-end benchmark.
// Also 1 % sampling (start + end for the 99 % not sampled), and the request as it arrives at the
// next hop (a sampled context to honour); and what the control plane spends taking a span in.
import { Body } from '../../src/proxy/http/body.ts';
import type { StreamRecord } from '../../src/proxy/http/connection-manager.ts';
import { newStreamInfo, type HttpRequest } from '../../src/proxy/http/message.ts';
import type { NodeInfo, ProxyConfig, TracingConfig } from '../../src/model/proxy-config.ts';
import { Tracer } from '../../src/proxy/telemetry/tracing.ts';
import { CONTROL_PLANE_FORMAT, ZIPKIN_FORMAT, encodeBatch, otlpFormat } from '../../src/proxy/telemetry/tracing-encode.ts';
import type { BatchFormat } from '../../src/proxy/telemetry/tracing-export.ts';
import { jsonBytes } from '../../src/lib/json-bytes.ts';
import { newSpanId, newTraceId } from '../../src/proxy/telemetry/tracing-ids.ts';
import { FinishedSpan, SpanOrigin } from '../../src/proxy/telemetry/tracing-span.ts';
import { parseSpanBatch } from '../../src/controlplane/http-api/span-batch.ts';
import { TraceStore } from '../../src/controlplane/telemetry/trace-store.ts';

const total = Number(process.argv[2] ?? 200_000);

function request(headers: string[]): StreamRecord {
  const info = newStreamInfo('outbound', '127.0.0.1');
  info.responseCode = 200;
  info.upstreamCluster = 'outbound|8080||backend.default.svc.cluster.local';
  info.upstreamHost = '127.0.0.1:40123';
  info.requestId = 'b7ad6b71-6b1d-4c1f-9a44-0c4b0d0f5a11';
  (info as { downstreamRemoteAddress: string }).downstreamRemoteAddress = '127.0.0.1:51234';
  const req: HttpRequest = { method: 'GET', authority: 'backend:8080', path: '/', scheme: 'http', headers: ['host', 'backend:8080', 'user-agent', 'wrk', ...headers], body: Body.of(''), info } as unknown as HttpRequest;
  return { request: req, info, protocol: 'HTTP/1.1', bytesSent: 38, responseHeaders: ['content-type', 'text/plain'] };
}

const node = { id: 'client-bench.default', service: 'client', namespace: 'default', workload: 'client-bench', labels: { app: 'client', version: 'v1' } };
function tracer(percent: number): Tracer {
  const t = new Tracer({ sendToControlPlane: async () => {}, post: async () => {}, batch: { flushMs: 0 } });
  const tracing: TracingConfig = { samplingPercent: percent, exporters: [{ protocol: 'zipkin', url: 'http://127.0.0.1:9/x' }], customTags: [], maxPathTagLength: 256 };
  t.update({ node, telemetry: { tracing } } as unknown as Pick<ProxyConfig, 'node' | 'telemetry'>);
  return t;
}

function cpuNs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) * 1e3;
}

/** start + end per request; returns ns per request. */
/**
 * start + end per request, in chunks of 256 with a turn of the event loop between them so that
 * the exporters' timers send (encode) their batches as they would in a sidecar: the figure is the
 * whole per-request cost of tracing but the socket writes. CPU ns per request.
 */
async function lifecycle(t: Tracer, incoming: () => string[], n: number): Promise<number> {
  let ns = 0;
  for (let done = 0; done < n; done += 256) {
    ns += cpuNs(() => {
      for (let i = 0; i < 256; i++) {
        const r = request(incoming());
        t.start(r.request);
        r.info.upstreamEndMono = r.info.startMono + 0.5;
        t.end(r);
      }
    });
    const t0 = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const d = process.cpuUsage(t0);
    ns += (d.user + d.system) * 1e3;
  }
  await t.close();
  return ns / n;
}

const sampledIn = (): string[] => ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'];
const none = (): string[] => [];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Spans to encode, as the tracer makes them for the request above (tracing.ts #record).
const origin = new SpanOrigin({ ...node, serviceAccount: 'client' } as unknown as NodeInfo, 'cluster.local');
const captured: FinishedSpan[] = Array.from({ length: 512 }, (_, i) => new FinishedSpan(origin, newTraceId(), newSpanId(), i % 2 === 0 ? '' : newSpanId(), 'GET /', 'CLIENT', 1795690160613000 + i, 512, false, [
  'guid:x-request-id', 'b7ad6b71-6b1d-4c1f-9a44-0c4b0d0f5a11', 'http.url', 'http://backend:8080/', 'http.method', 'GET', 'http.protocol', 'HTTP/1.1',
  'http.status_code', '200', 'response_flags', '-', 'request_size', '0', 'response_size', '38',
  'upstream_cluster', 'outbound|8080||backend.default.svc.cluster.local', 'upstream_cluster.name', 'outbound|8080||backend.default.svc.cluster.local',
  'peer.address', '127.0.0.1:51234', 'user_agent', 'wrk', 'upstream_host', '127.0.0.1:40123',
]));

/** CPU ns per span of writing batches of 512 into one buffer, as SpanBatcher does (its buffer reused once sent). */
function encodeEach(format: BatchFormat<FinishedSpan>): number {
  const out = jsonBytes(1 << 20);
  return cpuNs(() => {
    for (let i = 0; i < total / 512; i++) {
      out.len = 0;
      format.open(captured[0]!, out);
      for (let j = 0; j < captured.length; j++) {
        if (j > 0) out.raw(format.separator);
        format.item(captured[j]!, out);
      }
      out.raw(format.close);
    }
  }) / (Math.floor(total / 512) * 512);
}

const cases: [string, () => number | Promise<number>][] = [
  ['per request, 100 %, edge (new trace)', () => lifecycle(tracer(100), none, total)],
  ['per request, 100 %, sampled traceparent in', () => lifecycle(tracer(100), sampledIn, total)],
  ['per request, 1 %, edge', () => lifecycle(tracer(1), none, total)],
  ['per request, tracing off', () => lifecycle(new Tracer({ sendToControlPlane: async () => {} }), none, total)],
  ['encode control plane body, per span', () => encodeEach(CONTROL_PLANE_FORMAT)],
  ['encode Zipkin v2 body, per span', () => encodeEach(ZIPKIN_FORMAT)],
  ['encode OTLP/HTTP JSON body, per span', () => encodeEach(otlpFormat('0'))],
  ['control plane: parse + check + store, per span', () => {
    const body = encodeBatch(CONTROL_PLANE_FORMAT, captured);
    const store = new TraceStore();
    return cpuNs(() => { for (let i = 0; i < total / 512; i++) store.add(parseSpanBatch(JSON.parse(body)).spans); }) / (Math.floor(total / 512) * 512);
  }],
];
const rounds: number[][] = cases.map(() => []);
for (let r = 0; r < 5; r++) for (const [i, [, f]] of cases.entries()) rounds[i]!.push(await f());
console.log(`node ${process.version}, ${total} requests × 5 rounds; CPU ns (median of rounds)`);
cases.forEach(([name], i) => console.log(`${name.padEnd(42)} ${median(rounds[i]!).toFixed(0).padStart(7)} ns   rounds: ${rounds[i]!.map((x) => x.toFixed(0)).join(' ')}`));
