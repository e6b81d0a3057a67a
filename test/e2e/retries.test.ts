// The seed's "Retry и Timeout" VirtualService applied verbatim (timeout 3s, attempts 3, perTryTimeout 1s, retryOn 5xx,reset,connect-failure,refused-stream) against a backend that fails on request: 503s, resets and hangs are retried by the client's sidecar, a request unanswered at 3 s gets 504 UT, exhausted retries give the last answer flagged URX.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { E2E_APPS, Mesh, NODE, sleep, waitUntil, type Workload } from './harness/mesh.ts';
import {
  IDLE_APP_ARGS, SEED_FIXTURES, accessLog, appSeen, applyFiles, assertEnforced, flagsOf, keepAliveAgent, proxyConfig, routesFor, send, sha256, waitForConfig, waitForLog,
  type FlakySeen,
} from './harness/traffic.ts';

/** Seed lines 212–227 ("Retry и Timeout"), byte for byte. */
const SEED_RETRY = join(SEED_FIXTURES, 'retry-timeout.yaml');
const SEED_RETRY_SHA256 = '27bcc48eaa4afc46317dc37b21fd65ed22c952b736989d775cd8cb400ed4a001';
const ROUTE_TIMEOUT_MS = 3_000;
const PER_TRY_TIMEOUT_MS = 1_000;
/** Istio's `attempts` is Envoy's num_retries: retries after the first try, so up to 4 tries in all. */
const RETRIES = 3;
/**
 * Margin on the 3 s timeout: the 504 may not come before it (minus timer granularity), and
 * comes at most 0.8 s late on a loaded 2-core machine (process scheduling, one event-loop turn
 * in each of two sidecars).
 */
const UT_EARLIEST_MS = ROUTE_TIMEOUT_MS - 200;
const UT_LATEST_MS = ROUTE_TIMEOUT_MS + 800;

let mesh: Mesh;
let client: Workload;
let backend: Workload;
const agent = keepAliveAgent(4);

const url = (path: string): string => `http://user-service:8080${path}`;
const newKey = (): string => randomUUID().slice(0, 8);

/** What the backend app recorded for requests of this key, in arrival order. */
async function servedFor(key: string): Promise<FlakySeen['served']> {
  return (await appSeen<FlakySeen>(backend)).served.filter((s) => s.path.includes(`/${key}`));
}

before(async () => {
  mesh = await Mesh.start();
  [client, backend] = await Promise.all([
    mesh.run({ service: 'client', command: [NODE, ...IDLE_APP_ARGS], accessLog: 'stderr' }),
    mesh.run({ service: 'user-service', version: 'v1', command: [NODE, join(E2E_APPS, 'flaky-server.ts')], env: { VERSION: 'v1' }, accessLog: 'stderr', appReady: /flaky up on/ }),
  ]);
  assert.equal(await sha256(SEED_RETRY), SEED_RETRY_SHA256, `${SEED_RETRY} is no longer the seed's YAML byte for byte`);
  const applied = await applyFiles(mesh, SEED_RETRY);
  assert.match(applied.stdout, /^virtualservice\.networking\.istio\.io\/user-service created$/m);
  assertEnforced(applied, 'the seed\'s retry VirtualService');
  await client.waitForEndpoints({ '||user-service.': 1 });
  await waitForConfig(client, 'the seed\'s timeout and retries on the user-service route', (c) => routesFor(c, 'user-service:8080').some((r) => r.timeoutMs === ROUTE_TIMEOUT_MS && r.retry !== undefined));
});

after(async () => {
  agent.destroy();
  await mesh?.close();
});

test('the client\'s sidecar holds the seed\'s policy: timeout 3 s, 3 retries, 1 s per try, on 5xx, reset, connect-failure, refused-stream', async () => {
  const route = routesFor((await proxyConfig(client))!, 'user-service:8080')[0];
  assert.ok(route !== undefined, 'a route for user-service:8080');
  assert.equal(route.timeoutMs, ROUTE_TIMEOUT_MS);
  assert.equal(route.retry?.maxRetries, RETRIES);
  assert.equal(route.retry?.perTryTimeoutMs, PER_TRY_TIMEOUT_MS);
  assert.deepEqual([...(route.retry?.retryOn ?? [])].sort(), ['5xx', 'connect-failure', 'refused-stream', 'reset']);
});

test('a backend answering 503 twice then 200: the client sees 200, the backend served 3 attempts', { timeout: 20_000 }, async () => {
  const key = newKey();
  const r = await send(client.ports.outbound, url(`/fail-then-ok/${key}?fails=2&status=503`), { agent });
  assert.equal(r.status, 200, `the client got ${r.status} ${r.body}`);
  assert.equal((JSON.parse(r.body) as { attempt: number }).attempt, 3, `the answer is the third attempt's: ${r.body}`);
  assert.deepEqual((await servedFor(key)).map((s) => s.status), [503, 503, 200], 'the backend app served 503, 503, then 200');
  // The server's sidecar saw three separate requests: the retries are the client sidecar's.
  const inbound = await waitForLog(backend, `inbound for ${key}`, (l) => l.direction === 'inbound' && l.path.includes(key), 3);
  assert.deepEqual(inbound.map((l) => l.response_code), [503, 503, 200]);
  const line = (await waitForLog(client, `outbound for ${key}`, (l) => l.direction === 'outbound' && l.path.includes(key)))[0]!;
  assert.equal(line.response_code, 200);
  assert.ok(!flagsOf(line).includes('URX'), `a retried success is not flagged URX: ${JSON.stringify(line)}`);
});

test('a 404 is not retried (retryOn has no 4xx condition)', { timeout: 20_000 }, async () => {
  const key = newKey();
  const r = await send(client.ports.outbound, url(`/fail-then-ok/${key}?fails=1&status=404`), { agent });
  assert.equal(r.status, 404, `the client got ${r.status} ${r.body}`);
  assert.deepEqual((await servedFor(key)).map((s) => s.status), [404], 'one attempt only');
});

test('a backend that resets the connection without answering: retried, the client sees 200', { timeout: 20_000 }, async () => {
  const key = newKey();
  // Two resets: the server's sidecar may itself resend once a request that lost its reused
  // connection before any answer byte, so the second reset makes sure the client sidecar sees
  // the failure (503 UC from the server's sidecar) and has to retry.
  const r = await send(client.ports.outbound, url(`/reset/${key}?times=2`), { agent });
  assert.equal(r.status, 200, `the client got ${r.status} ${r.body}`);
  const served = await servedFor(key);
  assert.deepEqual(served.slice(0, 2).map((s) => s.status), ['reset', 'reset'], JSON.stringify(served));
  assert.equal(served.at(-1)?.status, 200, JSON.stringify(served));
  const inbound = await waitForLog(backend, `inbound for ${key}`, (l) => l.direction === 'inbound' && l.path.includes(key) && l.response_code === 200);
  const all = accessLog(backend).filter((l) => l.direction === 'inbound' && l.path.includes(key));
  assert.ok(all.length >= 2, `the client's sidecar sent at least two attempts: ${JSON.stringify(all)}`);
  assert.equal(all[0]?.response_code, 503, `the first attempt failed with the reset: ${JSON.stringify(all[0])}`);
  assert.ok(flagsOf(all[0]!).includes('UC'), `the server's sidecar flagged the reset UC: ${JSON.stringify(all[0])}`);
  assert.equal(inbound.length, 1);
});

test('a first attempt hanging past perTryTimeout (1 s): the next attempt answers, the client sees 200 after about 1 s', { timeout: 20_000 }, async (t) => {
  const key = newKey();
  const r = await send(client.ports.outbound, url(`/hang/${key}?times=1&ms=2500`), { agent });
  t.diagnostic(`200 after ${Math.round(r.ms)} ms`);
  assert.equal(r.status, 200, `the client got ${r.status} ${r.body}`);
  assert.equal((JSON.parse(r.body) as { attempt: number }).attempt, 2, r.body);
  // perTryTimeout, plus the first retry's backoff (Envoy: under 25 ms; at most 250), plus
  // scheduling on a loaded machine; far less than the 2.5 s the first attempt would have taken.
  assert.ok(r.ms >= PER_TRY_TIMEOUT_MS - 50 && r.ms <= PER_TRY_TIMEOUT_MS + 800, `200 after ${Math.round(r.ms)} ms, expected 0.95–1.8 s`);
  const served = await servedFor(key);
  assert.equal(served.length, 2, JSON.stringify(served));
  assert.equal(served[1]?.status, 200, JSON.stringify(served));
});

test('an attempt given up at its perTryTimeout is cancelled through the server\'s sidecar: the app sees the request closed, as behind Envoy', { timeout: 20_000 }, async () => {
  const key = newKey();
  const r = await send(client.ports.outbound, url(`/hang/${key}?times=1&ms=5000`), { agent });
  assert.equal(r.status, 200, `the client got ${r.status} ${r.body}`);
  // The client's sidecar closed the attempt's connection at 1 s; the server's sidecar should then
  // reset its request to the app (Envoy resets the upstream stream when the downstream goes away)
  // rather than keep the app working for a caller that left, until the app answers at 5 s.
  await waitUntil('the app saw the abandoned attempt closed', async () => {
    const served = await servedFor(key);
    return served[0]?.status === 'abandoned' ? { done: true, value: undefined } : { done: false, last: JSON.stringify(served) };
  }, 2_000, 50);
});

test('a caller that gives up ends its request: no retry is sent after the client left, as Envoy resets the stream on a downstream disconnect', { timeout: 20_000 }, async () => {
  const key = newKey();
  const r = await send(client.ports.outbound, url(`/hang/${key}?times=100&ms=10000`), { timeoutMs: 400 });
  assert.equal(r.status, 0, 'the client gave up at 0.4 s');
  // Past the 3 s route timeout: with the request still alive, tries would have started at ~1 s and ~2 s.
  await sleep(ROUTE_TIMEOUT_MS - 400 + 300);
  const served = await servedFor(key);
  assert.equal(served.length, 1, `only the first try, sent before the client left: ${JSON.stringify(served)}`);
  const line = (await waitForLog(client, `outbound for ${key}`, (l) => l.direction === 'outbound' && l.path.includes(key)))[0]!;
  assert.ok(flagsOf(line).includes('DC'), `the access-log line says the downstream left (DC): ${JSON.stringify(line)}`);
});

test('a request still unanswered at the 3 s timeout: 504 with flag UT at about 3 s, in the header and the client sidecar\'s access log', { timeout: 20_000 }, async (t) => {
  const key = newKey();
  const r = await send(client.ports.outbound, url(`/hang/${key}?times=100&ms=10000`), { agent });
  t.diagnostic(`${r.status} ${String(r.headers['x-weft-response-flags'])} after ${Math.round(r.ms)} ms: ${r.body.trim()}`);
  assert.equal(r.status, 504, `the client got ${r.status} ${r.body}`);
  assert.equal(r.headers['x-weft-response-flags'], 'UT', `x-weft-response-flags: ${String(r.headers['x-weft-response-flags'])}`);
  assert.equal(r.headers['x-weft-proxy'], client.proxyId, 'the client\'s own sidecar answered');
  assert.ok(r.ms >= UT_EARLIEST_MS && r.ms <= UT_LATEST_MS, `504 after ${Math.round(r.ms)} ms, expected ${UT_EARLIEST_MS}–${UT_LATEST_MS} ms`);
  const line = (await waitForLog(client, `outbound for ${key}`, (l) => l.direction === 'outbound' && l.path.includes(key)))[0]!;
  assert.equal(line.response_code, 504, JSON.stringify(line));
  assert.ok(flagsOf(line).includes('UT'), `the access-log line has UT: ${JSON.stringify(line)}`);
  assert.ok(line.duration >= UT_EARLIEST_MS && line.duration <= UT_LATEST_MS, `logged duration ${line.duration} ms`);
  // Tries at 0–1 s, ~1–2 s and ~2–3 s (backoffs are far under a second); the 3 s timeout ends
  // the third before a fourth can start.
  const served = await servedFor(key);
  assert.equal(served.length, 3, `three tries within the 3 s: ${JSON.stringify(served)}`);
  assert.ok(served.every((s) => s.status !== 200), JSON.stringify(served));
});

test('exhausted retries: the client gets the last attempt\'s answer, flagged URX in the access log', { timeout: 20_000 }, async () => {
  const key = newKey();
  const r = await send(client.ports.outbound, url(`/fail-then-ok/${key}?fails=100&status=503`), { agent });
  assert.equal(r.status, 503, `the client got ${r.status} ${r.body}`);
  assert.deepEqual(JSON.parse(r.body), { app: 'flaky', version: 'v1', path: `/fail-then-ok/${key}`, attempt: RETRIES + 1 }, 'the body is the backend\'s last answer');
  assert.deepEqual((await servedFor(key)).map((s) => s.status), Array.from({ length: RETRIES + 1 }, () => 503), `one try and ${RETRIES} retries`);
  const line = (await waitForLog(client, `outbound for ${key}`, (l) => l.direction === 'outbound' && l.path.includes(key)))[0]!;
  assert.equal(line.response_code, 503, JSON.stringify(line));
  assert.ok(flagsOf(line).includes('URX'), `the access-log line has URX: ${JSON.stringify(line)}`);
});
