// node bench/micro/tracing.bench.ts [spans]
// The sidecar's cost per sampled request of tracing at 100 %: closing the span (Tracer.end: the
// span record, queued to every exporter) and encoding it in a batch for each exporter — the
// control plane's SpanBatch, Zipkin v2 and OTLP/HTTP JSON. "before" is a frozen copy of the tracer
// as it was (tracing-legacy/: a tag object per span, object trees + JSON.stringify per exporter,
// the control-plane batch stringified as cp-http did); "after" is src/proxy/telemetry. Both run
// the same requests on virtual time with sinks that drop the bodies; the bodies are checked
// equal first. CPU time (user + system), median of rounds: the machine is shared.
import { VirtualClock } from '../../src/lib/virtual-clock.ts';
import type { ProxyConfig } from '../../src/model/proxy-config.ts';
import { Body } from '../../src/proxy/http/body.ts';
import type { StreamRecord } from '../../src/proxy/http/connection-manager.ts';
import { newStreamInfo } from '../../src/proxy/http/message.ts';
import { Tracer } from '../../src/proxy/telemetry/tracing.ts';
import { Tracer as LegacyTracer } from './tracing-legacy/tracing.ts';

const total = Number(process.argv[2] ?? 10_000);

const node = { id: 'order-service-v1.default', workload: 'order-service-v1', namespace: 'default', service: 'order-service', serviceAccount: 'order-service', labels: { app: 'order-service', version: 'v1' } };
type Exporters = 'none' | 'zipkin' | 'otlp' | 'both';
function config(exporters: Exporters): Pick<ProxyConfig, 'node' | 'telemetry'> {
  const zipkin = { protocol: 'zipkin' as const, url: 'http://z:9411/api/v2/spans' };
  const otlp = { protocol: 'otlp-http' as const, url: 'http://c:4318/v1/traces' };
  const list = exporters === 'none' ? [] : exporters === 'zipkin' ? [zipkin] : exporters === 'otlp' ? [otlp] : [zipkin, otlp];
  return { node, telemetry: { tracing: { samplingPercent: 100, customTags: [], maxPathTagLength: 256, exporters: list } } };
}

/** A request as the benchmark's sidecars see it: outbound or inbound, a W3C parent half the time. */
function stream(i: number): StreamRecord {
  const outbound = i % 2 === 0;
  const info = newStreamInfo(outbound ? 'outbound' : 'inbound', '10.0.0.7');
  info.requestId = `6f1c2a8e-3b1d-4c55-9e0a-${i.toString(16).padStart(12, '0')}`;
  info.responseCode = 200;
  info.upstreamCluster = outbound ? 'outbound|8080|v1|user-service.default.svc.cluster.local' : '';
  info.routeName = outbound ? '' : 'inbound|8080||';
  info.upstreamHost = outbound ? '10.0.0.9:15006' : '127.0.0.1:8080';
  info.peerIdentity = outbound ? '' : 'spiffe://cluster.local/ns/default/sa/api-gateway';
  const headers = ['host', 'user-service:8080', 'user-agent', 'weft-bench/1', 'accept', '*/*', 'x-request-id', info.requestId];
  if (i % 4 < 2) headers.push('traceparent', `00-4bf92f3577b34da6a3ce929d0e0e4736-${(i + 1).toString(16).padStart(16, '0')}-01`);
  const request = { method: 'GET', authority: 'user-service:8080', path: `/users/${i % 100}?verbose=1`, scheme: 'http', headers, body: Body.empty(), info };
  return { request, info, protocol: 'HTTP/1.1', bytesSent: 312, responseHeaders: [] };
}

interface Sink { bodies: number; bytes: number; last: string[] }
interface Subject { start(r: StreamRecord['request']): void; end(r: StreamRecord): void; update(c: Pick<ProxyConfig, 'node' | 'telemetry'>): void; close(ms?: number): Promise<void> }

function make(which: 'before' | 'after', exporters: Exporters, clock: VirtualClock, sink: Sink): Subject {
  const take = (body: string): Promise<void> => { sink.bodies++; sink.bytes += body.length; if (sink.last.length < 4) sink.last.push(body); return Promise.resolve(); };
  const batch = { maxQueue: 1_000_000, batchSize: 512, flushMs: 1 };
  const t: Subject = which === 'after'
    ? new Tracer({ clock, batch, version: '1', random: () => 0, sendToControlPlane: take, post: (_u, _t, body) => take(body) })
    // What the sidecar did with a control-plane batch: cp.request JSON.stringify({ spans }).
    : new LegacyTracer({ clock, batch, version: '1', random: () => 0, sendToControlPlane: (spans) => take(JSON.stringify({ spans })), post: (_u, _t, body) => take(body) });
  t.update(config(exporters));
  return t;
}

/** Drives every queued batch out: virtual timers, promises settled in between. */
async function drain(clock: VirtualClock): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    await Promise.resolve();
    await Promise.resolve();
    const d = clock.nextDelay();
    if (d === null) return;
    clock.advance(d);
  }
}

const cpu = (): number => { const t = process.cpuUsage(); return t.user + t.system; };

/** µs of CPU per span: closing spans (start + end), then encoding them (every exporter's batches). */
async function round(which: 'before' | 'after', exporters: Exporters, n: number): Promise<{ record: number; encode: number; sink: Sink }> {
  const clock = new VirtualClock(0);
  const sink: Sink = { bodies: 0, bytes: 0, last: [] };
  const t = make(which, exporters, clock, sink);
  const streams = Array.from({ length: n }, (_, i) => stream(i));
  const t0 = cpu();
  for (const s of streams) { t.start(s.request); t.end(s); }
  const t1 = cpu();
  await drain(clock);
  const t2 = cpu();
  await t.close(0);
  return { record: (t1 - t0) / n, encode: (t2 - t1) / n, sink };
}

// The two tracers send the same bytes (ids and numbers aside: the same requests, random ids, other clocks).
{
  const norm = (s: string): string => s.replace(/"[0-9a-f]{32}"|"[0-9a-f]{16}"|\d+/g, 'X');
  const a = await round('before', 'both', 600);
  const b = await round('after', 'both', 600);
  if (a.sink.bodies !== b.sink.bodies || a.sink.last.some((x, i) => norm(x) !== norm(b.sink.last[i]!))) throw new Error('before and after send different bodies');
}

const cases: ['before' | 'after', Exporters][] = [];
for (const e of ['none', 'zipkin', 'otlp', 'both'] as const) for (const w of ['before', 'after'] as const) cases.push([w, e]);
for (const [w, e] of cases) await round(w, e, 2_000);
const results = cases.map(() => ({ record: [] as number[], encode: [] as number[], bytes: 0 }));
for (let r = 0; r < 5; r++) {
  for (const [i, [w, e]] of cases.entries()) {
    const x = await round(w, e, total);
    results[i]!.record.push(x.record);
    results[i]!.encode.push(x.encode);
    results[i]!.bytes = x.sink.bytes / total;
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`node ${process.version}, ${total} spans × 5 rounds; CPU µs per span (median of rounds); exporters: the control plane plus the named collectors`);
console.log(`${'exporters'.padEnd(10)} ${'code'.padEnd(7)} ${'start+end'.padStart(9)} ${'encode'.padStart(7)} ${'total'.padStart(7)}   bytes/span`);
for (const [i, [w, e]] of cases.entries()) {
  const rec = median(results[i]!.record);
  const enc = median(results[i]!.encode);
  console.log(`${e.padEnd(10)} ${w.padEnd(7)} ${rec.toFixed(2).padStart(9)} ${enc.toFixed(2).padStart(7)} ${(rec + enc).toFixed(2).padStart(7)}   ${results[i]!.bytes.toFixed(0)}`);
}
