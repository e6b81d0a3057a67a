// Circuit breaking: the seed's "Circuit Breaker" DestinationRule applied verbatim keeps routing working, and Istio's circuit-breaking task (maxConnections 1, http1MaxPendingRequests 1, maxRequestsPerConnection 1) under concurrent clients gives a mix of 200 and immediate 503 UO with x-envoy-overloaded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { E2E_APPS, Mesh, NODE, type Workload } from './harness/mesh.ts';
import {
  IDLE_APP_ARGS, SEED_FIXTURES, VARIANT_FIXTURES, accessLog, appSeen, applyFiles, assertEnforced, clustersOf, countBy, flagsOf, keepAliveAgent, median, send, sendMany,
  sha256, summary, waitForConfig, waitForLog, type FlakySeen, type Reply,
} from './harness/traffic.ts';

/** Seed lines 233–250 ("Circuit Breaker"), byte for byte. */
const SEED_CIRCUIT_BREAKER = join(SEED_FIXTURES, 'circuit-breaker.yaml');
const SEED_CIRCUIT_BREAKER_SHA256 = 'd111a1f324196f10862b3f0f1cbcbe7ddf37658f215160bd119b973a3fdbc9b5';
const ISTIO_TASK = join(VARIANT_FIXTURES, 'circuit-breaker-istio-task.yaml');
/** The httpbin stand-in answers after this long, so that a request holds the one connection a while. */
const SLOW_MS = 200;
/**
 * Istio's task's second run: fortio with 3 connections, 30 requests. Requests waiting for a
 * connection (being set up: each serves one request) are pending, as in Envoy, so the first
 * round already overflows: one pending, two over.
 */
const LOOPS = 3;
const REQUESTS_PER_LOOP = 10;
/** "Immediate": an overflow answer never waits for the backend, and most come back at once. */
const UO_MEDIAN_BOUND_MS = 50;

let mesh: Mesh;
let client: Workload;
let userService: Workload;
let httpbin: Workload;

before(async () => {
  mesh = await Mesh.start();
  [client, userService, httpbin] = await Promise.all([
    mesh.run({ service: 'client', command: [NODE, ...IDLE_APP_ARGS], accessLog: 'stderr' }),
    mesh.run({ service: 'user-service', version: 'v1', command: [NODE, join(E2E_APPS, 'flaky-server.ts')], env: { VERSION: 'v1' }, appReady: /flaky up on/ }),
    mesh.run({ service: 'httpbin', version: 'v1', command: [NODE, join(E2E_APPS, 'flaky-server.ts')], env: { VERSION: 'v1' }, appReady: /flaky up on/ }),
  ]);
  await client.waitForEndpoints({ '||user-service.': 1, '||httpbin.': 1 });
});

after(async () => {
  await mesh?.close();
});

test('the seed\'s circuit-breaker DestinationRule applied verbatim: enforced, compiled into the client\'s cluster, and requests flow', { timeout: 30_000 }, async () => {
  assert.equal(await sha256(SEED_CIRCUIT_BREAKER), SEED_CIRCUIT_BREAKER_SHA256, `${SEED_CIRCUIT_BREAKER} is no longer the seed's YAML byte for byte`);
  const applied = await applyFiles(mesh, SEED_CIRCUIT_BREAKER);
  assert.match(applied.stdout, /^destinationrule\.networking\.istio\.io\/user-service created$/m);
  assertEnforced(applied, 'the seed\'s DestinationRule');
  const config = await waitForConfig(client, 'the seed\'s connection pool on the user-service cluster', (c) => clustersOf(c, 'user-service').some((cl) => cl.connectionPool?.maxConnections === 100));
  const pool = clustersOf(config, 'user-service')[0]?.connectionPool;
  assert.equal(pool?.maxConnections, 100, JSON.stringify(pool));
  assert.equal(pool?.maxPendingRequests, 50, JSON.stringify(pool));
  assert.equal(pool?.maxRequestsPerConnection, 2, JSON.stringify(pool));

  // Well under every limit: 40 requests from 8 loops all succeed, none flagged.
  const replies = await sendMany(client.ports.outbound, 40, 8, (i) => `http://user-service:8080/ok/${i}`);
  assert.deepEqual(countBy(replies, summary), { '200 v1': 40 });
  assert.equal((await appSeen<FlakySeen>(userService)).served.filter((s) => s.path.startsWith('/ok/')).length, 40, 'the backend served each once');
});

test('Istio\'s circuit-breaking task: concurrent clients against maxConnections 1 / 1 pending get 200s and immediate 503 UO with x-envoy-overloaded', { timeout: 40_000 }, async (t) => {
  const applied = await applyFiles(mesh, ISTIO_TASK);
  assert.match(applied.stdout, /^destinationrule\.networking\.istio\.io\/httpbin created$/m);
  assertEnforced(applied, 'the circuit-breaking task\'s DestinationRule');
  await waitForConfig(client, 'the task\'s connection pool on the httpbin cluster', (c) => clustersOf(c, 'httpbin').some((cl) => cl.connectionPool?.maxConnections === 1 && cl.connectionPool.maxPendingRequests === 1));

  const logFrom = accessLog(client).length;
  // Like fortio -c 3 -n 30: each connection sends its own share back to back.
  const perLoop = await Promise.all(Array.from({ length: LOOPS }, async (_, loop) => {
    const agent = keepAliveAgent(1);
    const out: Reply[] = [];
    for (let i = 0; i < REQUESTS_PER_LOOP; i++) out.push(await send(client.ports.outbound, `http://httpbin:8080/slow?ms=${SLOW_MS}&loop=${loop}&i=${i}`, { agent }));
    agent.destroy();
    return out;
  }));
  const replies = perLoop.flat();
  const counts = countBy(replies, summary);
  const ok = replies.filter((r) => r.status === 200);
  const overflow = replies.filter((r) => r.status === 503);
  t.diagnostic(`${JSON.stringify(counts)}; 200s took ${Math.round(Math.min(...ok.map((r) => r.ms)))}–${Math.round(Math.max(...ok.map((r) => r.ms)))} ms, 503s ${Math.round(Math.min(...overflow.map((r) => r.ms)))}–${Math.round(Math.max(...overflow.map((r) => r.ms)))} ms (median ${Math.round(median(overflow.map((r) => r.ms)))})`);

  assert.equal(ok.length + overflow.length, replies.length, `only 200 and 503 UO: ${JSON.stringify(counts)}`);
  assert.ok(ok.length >= 2, `some requests get through: ${JSON.stringify(counts)}`);
  assert.ok(overflow.length >= 1, `with ${LOOPS} concurrent clients, 1 connection and 1 pending slot, some requests overflow: ${JSON.stringify(counts)}`);
  for (const r of overflow) {
    assert.equal(r.headers['x-envoy-overloaded'], 'true', `a 503 without x-envoy-overloaded: ${JSON.stringify(r.headers)} ${r.body}`);
    assert.equal(r.headers['x-weft-response-flags'], 'UO', `a 503 not flagged UO: ${JSON.stringify(r.headers)} ${r.body}`);
    assert.equal(r.headers['x-weft-proxy'], client.proxyId, 'the client\'s own sidecar refused it');
    assert.ok(r.ms < SLOW_MS, `a 503 UO took ${Math.round(r.ms)} ms: it waited (the backend answers after ${SLOW_MS} ms)`);
  }
  assert.ok(median(overflow.map((r) => r.ms)) < UO_MEDIAN_BOUND_MS, `503 UO median ${Math.round(median(overflow.map((r) => r.ms)))} ms is not immediate (< ${UO_MEDIAN_BOUND_MS} ms)`);
  for (const r of ok) assert.ok(r.ms >= SLOW_MS - 5, `a 200 in ${Math.round(r.ms)} ms, faster than the backend's ${SLOW_MS} ms`);

  // One connection, one request on it at a time: the backend never serves two at once.
  const seen = await appSeen<FlakySeen>(httpbin);
  assert.equal(seen.maxInFlight, 1, `the backend had ${seen.maxInFlight} requests in flight at once`);
  assert.equal(seen.served.filter((s) => s.path.startsWith('/slow') && !s.path.includes('alone')).length, ok.length, 'the backend served exactly the 200s: overflowed requests never reached it');

  // The breaker closes once the load drops: one client alone, one request at a time, stays within every limit.
  const alone = await sendMany(client.ports.outbound, 5, 1, (i) => `http://httpbin:8080/slow?ms=${SLOW_MS}&alone=${i}`);
  assert.deepEqual(countBy(alone, summary), { '200 v1': 5 }, 'after the burst, sequential requests all pass');

  const logged = await waitForLog(client, 'for the task\'s requests', (l) => l.direction === 'outbound' && l.path.startsWith('/slow') && !l.path.includes('alone'), replies.length);
  assert.equal(logged.filter((l) => l.response_code === 503 && flagsOf(l).includes('UO')).length, overflow.length, `one access-log line flagged UO per 503: ${JSON.stringify(countBy(logged, (l) => `${l.response_code} ${l.response_flags}`))}`);
  assert.equal(accessLog(client).slice(logFrom).filter((l) => l.path.startsWith('/slow') && !l.path.includes('alone') && l.response_code === 200).length, ok.length);
});
