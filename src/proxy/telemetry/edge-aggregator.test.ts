import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../lib/log.ts';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import type { Cluster, Endpoint } from '../../model/proxy-config.ts';
import { latencyBucket, type TelemetryReport } from '../../model/telemetry-report.ts';
import { Body } from '../http/body.ts';
import type { StreamRecord } from '../http/connection-manager.ts';
import { newStreamInfo } from '../http/message.ts';
import { EdgeAggregator } from './edge-aggregator.ts';
import { TelemetryReporter } from './telemetry-reporter.ts';

const NODE = { workload: 'order-service-v1-k3x9', namespace: 'default', service: 'order-service', labels: { app: 'order-service', version: 'v1' } };
const V2: Endpoint = { address: '127.0.0.1', port: 15006, identity: 'spiffe://cluster.local/ns/default/sa/user-service', workload: 'user-service-v2-aaaa', labels: { app: 'user-service', version: 'v2' } };
const CLUSTER = 'outbound|8080|v2|user-service.default.svc.cluster.local';

function rec(direction: 'outbound' | 'inbound', code: number, o: { ep?: Endpoint | null; cluster?: string; peer?: string; authority?: string; callerReports?: boolean } = {}): StreamRecord {
  const info = newStreamInfo(direction, '127.0.0.1');
  info.callerReports = o.callerReports ?? false;
  info.responseCode = code;
  info.upstreamEndpoint = o.ep ?? null;
  info.upstreamCluster = o.cluster ?? '';
  info.peerIdentity = o.peer ?? '';
  return { request: { method: 'GET', authority: o.authority ?? 'user-service:8080', path: '/', scheme: 'http', headers: [], body: Body.empty(), info }, info, protocol: 'HTTP/1.1', bytesSent: 0, responseHeaders: [] };
}

test('outbound requests fold into one edge per destination workload, with errors, latency buckets and mTLS', () => {
  const agg = new EdgeAggregator(NODE);
  agg.setClusters([{ name: CLUSTER, transport: 'ISTIO_MUTUAL' } as Cluster]);
  for (let i = 0; i < 10; i++) agg.record(rec('outbound', i % 5 === 0 ? 500 : 200, { ep: V2, cluster: CLUSTER }), 7);
  // No route: no cluster, no endpoint; a local 404 is not an error, a 503 with no endpoint is.
  agg.record(rec('outbound', 404, { authority: 'nowhere:8080' }), 1);
  agg.record(rec('outbound', 503, { cluster: CLUSTER }), 1);
  // A downstream that went away before any response: counted as a failure.
  agg.record(rec('outbound', 0, { ep: V2, cluster: CLUSTER }), 2);
  const { edges, droppedEdges } = agg.take();
  assert.equal(droppedEdges, 0);
  assert.equal(edges.length, 3);
  const toV2 = edges.find((e) => e.destination?.workload === 'user-service-v2-aaaa')!;
  assert.deepEqual(toV2.source, { namespace: 'default', workload: 'order-service-v1-k3x9', app: 'order-service', version: 'v1' });
  assert.deepEqual(toV2.destination, { namespace: 'default', workload: 'user-service-v2-aaaa', app: 'user-service', version: 'v2' });
  assert.equal(toV2.destinationService, 'user-service.default.svc.cluster.local');
  assert.equal(toV2.requests, 11);
  assert.equal(toV2.errors, 3);
  assert.equal(toV2.mtls, true);
  assert.equal(toV2.latencyBuckets[latencyBucket(7)], 10);
  assert.equal(toV2.latencyBuckets.length, latencyBucket(7) + 1, 'trailing empty buckets left out');
  assert.equal(toV2.latencySumMs, 72);
  const noRoute = edges.find((e) => e.destinationService === 'nowhere')!;
  assert.equal(noRoute.destination, null);
  assert.equal(noRoute.errors, 0);
  const noEndpoint = edges.find((e) => e.destination === null && e.destinationService.startsWith('user-service'))!;
  assert.equal(noEndpoint.errors, 1);
  assert.equal(noEndpoint.mtls, false);
  // take() starts a new interval.
  assert.deepEqual(agg.take().edges, []);
});

test('inbound: peers with a sidecar are left to their own report; a caller without one is the unknown source', () => {
  const agg = new EdgeAggregator(NODE);
  agg.record(rec('inbound', 200, { peer: 'spiffe://cluster.local/ns/default/sa/api-gateway' }), 1);
  // A sidecar calling over plaintext (PeerAuthentication DISABLE): no identity, but it sent its metadata and reports the call.
  agg.record(rec('inbound', 200, { callerReports: true }), 1);
  agg.record(rec('inbound', 200), 1);
  agg.record(rec('inbound', 502), 1);
  const { edges } = agg.take();
  assert.equal(edges.length, 1);
  assert.equal(edges[0]!.source, null);
  assert.equal(edges[0]!.destination?.app, 'order-service');
  assert.equal(edges[0]!.destinationService, 'order-service.default.svc.cluster.local');
  assert.equal(edges[0]!.requests, 2);
  assert.equal(edges[0]!.errors, 1);
  assert.equal(edges[0]!.mtls, false);
});

test('AUTO clusters are mTLS unless the endpoint takes plaintext; DISABLE never; the edge bound counts what it drops', () => {
  const agg = new EdgeAggregator(NODE, 2);
  agg.setClusters([{ name: 'a', transport: 'AUTO' } as Cluster, { name: 'b', transport: 'DISABLE' } as Cluster]);
  agg.record(rec('outbound', 200, { ep: V2, cluster: 'a' }), 1);
  agg.record(rec('outbound', 200, { ep: { ...V2, mtls: false }, cluster: 'a' }), 1);
  agg.record(rec('outbound', 200, { ep: V2, cluster: 'b' }), 1);
  const { edges, droppedEdges } = agg.take();
  assert.deepEqual(edges.map((e) => e.mtls), [true, false]);
  assert.equal(droppedEdges, 1);
});

test('the reporter sends on its timer, follows the interval the control plane asks for, drops what it cannot deliver, and flushes on stop', async () => {
  const clock = new VirtualClock(0);
  const agg = new EdgeAggregator(NODE);
  const sent: TelemetryReport[] = [];
  let fail = false;
  const reporter = new TelemetryReporter({
    aggregator: agg, logger: silentLogger, clock, intervalMs: 5_000,
    send: (r) => {
      if (fail) return Promise.reject(new Error('down'));
      sent.push(r);
      return Promise.resolve({ intervalMs: 2_000 });
    },
  });
  reporter.start();
  agg.record(rec('outbound', 200, { ep: V2, cluster: CLUSTER }), 1);
  clock.advance(1_000); // the first report goes out after 1 s
  await flushMicrotasks();
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.edges[0]!.requests, 1);
  assert.equal(sent[0]!.intervalMs, 1_000);
  assert.equal(reporter.intervalMs, 2_000);
  fail = true;
  agg.record(rec('outbound', 200, { ep: V2, cluster: CLUSTER }), 1);
  clock.advance(2_000);
  await flushMicrotasks();
  assert.equal(reporter.failed, 1);
  fail = false;
  agg.record(rec('outbound', 500, { ep: V2, cluster: CLUSTER }), 1);
  clock.advance(2_000);
  await flushMicrotasks();
  assert.equal(sent.length, 2);
  assert.equal(sent[1]!.edges[0]!.requests, 1, 'the undelivered report was dropped, not resent');
  assert.equal(sent[1]!.intervalMs, 2_000);
  agg.record(rec('outbound', 200, { ep: V2, cluster: CLUSTER }), 1);
  await reporter.stop();
  assert.equal(sent.length, 3);
  assert.equal(clock.pendingCount, 0, 'no timer left behind');
});

test('stop waits at most a second for a control plane that does not answer', async () => {
  const clock = new VirtualClock(0);
  const agg = new EdgeAggregator(NODE);
  let sends = 0;
  const reporter = new TelemetryReporter({ aggregator: agg, logger: silentLogger, clock, send: () => { sends++; return new Promise(() => {}); } });
  reporter.start();
  let stopped = false;
  const done = reporter.stop().then(() => { stopped = true; });
  await flushMicrotasks();
  assert.equal(sends, 1);
  assert.equal(stopped, false);
  clock.advance(1_000);
  await done;
  assert.equal(stopped, true);
  assert.equal(clock.pendingCount, 0);
});

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
