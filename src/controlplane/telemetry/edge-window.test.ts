import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { latencyBucket, type EdgeReport, type WorkloadRef } from '../../model/telemetry-report.ts';
import { EdgeWindow } from './edge-window.ts';
import { buildServiceGraph } from './service-graph.ts';

const GW: WorkloadRef = { namespace: 'default', workload: 'api-gateway-v1-aaaa', app: 'api-gateway', version: 'v1' };
const ORDER_V1: WorkloadRef = { namespace: 'default', workload: 'order-service-v1-bbbb', app: 'order-service', version: 'v1' };
const ORDER_V2: WorkloadRef = { namespace: 'default', workload: 'order-service-v2-cccc', app: 'order-service', version: 'v2' };
const ORDER = 'order-service.default.svc.cluster.local';

function edge(source: WorkloadRef | null, destination: WorkloadRef | null, requests: number, errors: number, ms: number, mtls = true): EdgeReport {
  const latencyBuckets: number[] = [];
  latencyBuckets[latencyBucket(ms)] = requests;
  return { source, destinationService: ORDER, destination, mtls, requests, errors, latencyBuckets: Array.from(latencyBuckets, (x) => x ?? 0), latencySumMs: ms * requests };
}

test('a 60 s window: rates over the time covered, data older than the window falls off a slot at a time', () => {
  const clock = new VirtualClock(1_000_000_000_000);
  const w = new EdgeWindow({ windowMs: 60_000, clock });
  assert.equal(w.slotMs, 5_000);
  assert.equal(w.reportIntervalMs, 5_000);
  // 12 reports, one every 5 s: 10 requests/s to v1 with a fifth failing, 1/s to v2.
  for (let i = 0; i < 12; i++) {
    clock.advance(5_000);
    w.add({ intervalMs: 5_000, droppedEdges: 0, edges: [edge(GW, ORDER_V1, 50, 10, 20), edge(GW, ORDER_V2, 5, 0, 20)] });
  }
  let g = buildServiceGraph(w.snapshot());
  // Whole slots of 5 s: the window covers between 55 s and 60 s, never more than the window.
  assert.ok(g.coveredMs >= 55_000 && g.coveredMs <= 60_000, `covered ${g.coveredMs}`);
  const v1 = g.edges.find((e) => e.target === 'workload:default/order-service/v1')!;
  assert.equal(v1.source, 'workload:default/api-gateway/v1');
  assert.equal(v1.service, ORDER);
  assert.equal(v1.requests, 600);
  assert.equal(v1.errorRate, 0.2);
  assert.ok(Math.abs(v1.requestRate - 10) <= 1, `rate ${v1.requestRate}`);
  assert.equal(v1.mtls, true);
  assert.ok(v1.latencyMs.p50! > 10 && v1.latencyMs.p50! <= 25);
  const svc = g.nodes.find((n) => n.id === `service:${ORDER}`)!;
  assert.deepEqual(svc.versions, ['v1', 'v2']);
  assert.deepEqual(g.nodes.find((n) => n.id === 'workload:default/order-service/v2')!.instances, ['order-service-v2-cccc']);

  // 30 s of silence: half the window's data is gone.
  clock.advance(30_000);
  g = buildServiceGraph(w.snapshot());
  const half = g.edges.find((e) => e.target === 'workload:default/order-service/v1')!;
  assert.ok(half.requests >= 250 && half.requests <= 350, `requests ${half.requests}`);
  // A whole window later: nothing is left, nodes included.
  clock.advance(60_000);
  g = buildServiceGraph(w.snapshot());
  assert.deepEqual(g.edges, []);
  assert.deepEqual(g.nodes, []);
});

test('just after start the rate divides by the time covered, not the whole window', () => {
  const clock = new VirtualClock(1_000_000_000_000);
  const w = new EdgeWindow({ windowMs: 60_000, clock });
  clock.advance(10_000);
  w.add({ intervalMs: 10_000, droppedEdges: 0, edges: [edge(GW, ORDER_V1, 100, 0, 3)] });
  const g = buildServiceGraph(w.snapshot());
  assert.equal(g.coveredMs, 10_000);
  assert.equal(g.edges[0]!.requestRate, 10);
});

test('edges from the unknown caller, edges with no workload, mixed mTLS, the edge bound', () => {
  const clock = new VirtualClock(1_000_000_000_000);
  const w = new EdgeWindow({ windowMs: 10_000, maxEdges: 3, clock });
  assert.equal(w.slotMs, 1_000);
  clock.advance(1_000);
  w.add({ intervalMs: 1_000, droppedEdges: 2, edges: [
    edge(null, ORDER_V1, 4, 0, 1, false),
    edge(GW, null, 2, 2, 1),
    edge(GW, ORDER_V1, 3, 0, 1, true),
    edge(GW, ORDER_V1, 1, 0, 1, false),
    edge(ORDER_V1, ORDER_V2, 1, 0, 1),
  ] });
  const g = buildServiceGraph(w.snapshot());
  assert.equal(g.droppedEdges, 3);
  const unknown = g.edges.find((e) => e.source === 'unknown')!;
  assert.equal(unknown.mtls, false);
  assert.equal(g.nodes.find((n) => n.id === 'unknown')!.kind, 'unknown');
  const noWorkload = g.edges.find((e) => e.target === `service:${ORDER}`)!;
  assert.equal(noWorkload.errorRate, 1);
  const mixed = g.edges.find((e) => e.source === 'workload:default/api-gateway/v1' && e.target === 'workload:default/order-service/v1')!;
  assert.equal(mixed.requests, 4);
  assert.equal(mixed.mtls, false);
  assert.equal(mixed.mtlsPercent, 75);
});
