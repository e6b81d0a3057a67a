// node bench/micro/istio-metrics.bench.ts [records]
// The cost of IstioMetrics.record(), the one call per finished request that Istio's standard
// metrics add to a sidecar: the steady state (a label set seen before: one key string, one Map
// lookup, three histogram bumps) for a source-side and a destination-side record, and a mix over
// 40 label sets (4 peers × 5 codes × 2 flags). Records are prebuilt, so what is timed is record()
// alone; the scrape (formatting) is timed separately, as Prometheus would trigger it.
import { Body } from '../../src/proxy/http/body.ts';
import type { StreamRecord } from '../../src/proxy/http/connection-manager.ts';
import { newStreamInfo, type StreamInfo } from '../../src/proxy/http/message.ts';
import { IstioMetrics } from '../../src/proxy/telemetry/metrics.ts';
import { localMetadata, type PeerMetadata } from '../../src/proxy/telemetry/peer-metadata.ts';

const total = Number(process.argv[2] ?? 2_000_000);

const meta = (service: string, version: string): PeerMetadata => localMetadata({
  workload: `${service}-${version}-x7kq`, namespace: 'default', service, labels: { app: service, version }, principal: `spiffe://cluster.local/ns/default/sa/${service}`,
});
const order = meta('order-service', 'v1');
const peers = [meta('user-service', 'v1'), meta('user-service', 'v2'), meta('payment-service', 'v1'), meta('api-gateway', 'v1')];

function record(direction: 'outbound' | 'inbound', peer: PeerMetadata, code: number, flags: string): StreamRecord {
  const info: StreamInfo = newStreamInfo(direction, '127.0.0.1');
  info.peerMetadata = peer;
  info.peerIdentity = direction === 'inbound' ? peer.principal : '';
  info.responseCode = code;
  info.responseFlags = flags;
  info.upstreamCluster = direction === 'outbound' ? `outbound|8080|${peer.version}|${peer.app}.default.svc.cluster.local` : '';
  const request = {
    method: 'GET', authority: `${peer.app}:8080`, path: '/', scheme: 'http',
    headers: ['host', `${peer.app}:8080`, 'user-agent', 'wrk', 'accept', '*/*', 'x-request-id', 'f3c1'], body: Body.of('x'.repeat(120)), info,
  };
  return { request, info, protocol: 'HTTP/1.1', bytesSent: 512, responseHeaders: ['content-type', 'application/json'] };
}

/** CPU time (user + system) per record in ns: on a shared machine wall time measures the neighbours too. */
function measure(m: IstioMetrics, records: readonly StreamRecord[], n: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) m.record(records[i % records.length]!);
  const t = process.cpuUsage(t0);
  return ((t.user + t.system) * 1e3) / n;
}

const source = [record('outbound', peers[1]!, 200, '')];
const destination = [record('inbound', peers[3]!, 200, '')];
const mix: StreamRecord[] = [];
for (const p of peers) for (const code of [200, 201, 404, 500, 503]) for (const flags of ['', 'UF']) mix.push(record('outbound', p, code, flags));

const cases: [string, IstioMetrics, readonly StreamRecord[]][] = [
  ['source side, one label set', new IstioMetrics(order, 'order-service'), source],
  ['destination side, one label set', new IstioMetrics(order, 'order-service'), destination],
  ['source side, 40 label sets', new IstioMetrics(order, 'order-service'), mix],
];
for (const [, m, recs] of cases) measure(m, recs, 200_000);
const rounds: number[][] = cases.map(() => []);
for (let r = 0; r < 5; r++) cases.forEach(([, m, recs], i) => rounds[i]!.push(measure(m, recs, total)));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`node ${process.version}, ${total} records × 5 rounds; CPU ns per record() (median of rounds)`);
cases.forEach(([name], i) => console.log(`${name.padEnd(36)} ${median(rounds[i]!).toFixed(1)} ns   rounds: ${rounds[i]!.map((x) => x.toFixed(1)).join(' ')}`));
const m = cases[2]![1];
const t0 = performance.now();
const text = m.scrape();
console.log(`scrape of ${m.series} label sets: ${(performance.now() - t0).toFixed(2)} ms, ${text.length} bytes`);
