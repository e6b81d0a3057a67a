// Fault injection: the seed's VirtualService (5 s delay for 10 %, 503 abort for 5 %) applied verbatim is enforced and requests still work; the same shape with a 200 ms delay for 30 % and a 503 abort for 20 % gives, over 600 requests, delayed (DI) and aborted (FI) shares that match within a stated tolerance, and aborts are never retried.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { E2E_APPS, Mesh, NODE, type Workload } from './harness/mesh.ts';
import {
  IDLE_APP_ARGS, SEED_FIXTURES, VARIANT_FIXTURES, appSeen, applyFiles, assertEnforced, countBy, flagsOf, median, routesFor, sendMany, sha256, summary, waitForConfig,
  waitForLog, type AccessLogLine, type FlakySeen, type Reply,
} from './harness/traffic.ts';

/** Seed lines 484–503 ("Fault Injection"), byte for byte. */
const SEED_FAULT = join(SEED_FIXTURES, 'fault-injection.yaml');
const SEED_FAULT_SHA256 = '2a18c2040e41dd8a53bfe503a9307c2d6542b93f584a43baeae667c5ab8bb30d';
const SEED_DELAY_MS = 5_000;
const SEED_REQUESTS = 100;
/** 30 % delayed by 200 ms, 20 % aborted with 503, for host web. */
const SHORT = join(VARIANT_FIXTURES, 'fault-injection-short.yaml');
const SHORT_DELAY_MS = 200;
const SHORT_DELAY_SHARE = 0.3;
const SHORT_ABORT_SHARE = 0.2;
const SHORT_REQUESTS = 600;
const SHORT_CONCURRENCY = 20;
/**
 * Tolerance on a count: 4 standard deviations of Binomial(n, p) either side of n·p. Each bound
 * fails by chance about once in 15 000 runs; a wrong share (say 10 % or 50 % instead of 30 %) is
 * 10 or more deviations away.
 */
const SIGMAS = 4;

function binomialBounds(n: number, p: number): [number, number] {
  const sd = Math.sqrt(n * p * (1 - p));
  return [Math.ceil(n * p - SIGMAS * sd), Math.floor(n * p + SIGMAS * sd)];
}

let mesh: Mesh;
let client: Workload;
let userService: Workload;
let web: Workload;

const isAbort = (r: Reply): boolean => String(r.headers['x-weft-response-flags'] ?? '').split(',').includes('FI');

/** The client sidecar's access-log line of each request, by path (each request has its own path). */
async function linesByPath(prefix: string, n: number): Promise<Map<string, AccessLogLine>> {
  const lines = await waitForLog(client, `for ${n} requests under ${prefix}`, (l) => l.direction === 'outbound' && l.path.startsWith(prefix), n, 15_000);
  return new Map(lines.map((l) => [l.path, l]));
}

before(async () => {
  mesh = await Mesh.start();
  [client, userService, web] = await Promise.all([
    mesh.run({ service: 'client', command: [NODE, ...IDLE_APP_ARGS], accessLog: 'stderr' }),
    mesh.run({ service: 'user-service', version: 'v1', command: [NODE, join(E2E_APPS, 'flaky-server.ts')], env: { VERSION: 'v1' }, appReady: /flaky up on/ }),
    mesh.run({ service: 'web', version: 'v1', command: [NODE, join(E2E_APPS, 'flaky-server.ts')], env: { VERSION: 'v1' }, appReady: /flaky up on/ }),
  ]);
  await client.waitForEndpoints({ '||user-service.': 1, '||web.': 1 });
});

after(async () => {
  await mesh?.close();
});

test('the seed\'s fault VirtualService applied verbatim: enforced (no "not yet enforced" warning), and requests still work — a few aborted 503 FI, a few delayed 5 s', { timeout: 40_000 }, async (t) => {
  assert.equal(await sha256(SEED_FAULT), SEED_FAULT_SHA256, `${SEED_FAULT} is no longer the seed's YAML byte for byte`);
  const applied = await applyFiles(mesh, SEED_FAULT);
  assert.match(applied.stdout, /^virtualservice\.networking\.istio\.io\/user-service-fault created$/m);
  assertEnforced(applied, 'the seed\'s fault VirtualService');
  const config = await waitForConfig(client, 'the seed\'s fault on the user-service route', (c) => routesFor(c, 'user-service:8080').some((r) => r.fault !== undefined));
  assert.deepEqual(routesFor(config, 'user-service:8080').find((r) => r.fault !== undefined)?.fault, {
    delay: { fixedDelayMs: SEED_DELAY_MS, percent: 10 },
    abort: { httpStatus: 503, percent: 5 },
  });

  // All at once, so that the 5 s delays overlap: about 5 s in all.
  const replies = await sendMany(client.ports.outbound, SEED_REQUESTS, SEED_REQUESTS, (i) => `http://user-service:8080/seed/${i}`, { timeoutMs: SEED_DELAY_MS + 3_000 });
  const delayed = replies.filter((r) => r.ms >= SEED_DELAY_MS - 10);
  const aborted = replies.filter(isAbort);
  t.diagnostic(`${JSON.stringify(countBy(replies, summary))}; delayed ${delayed.length} (${delayed.map((r) => Math.round(r.ms)).join(', ')} ms)`);
  for (const r of replies) {
    assert.ok(r.status === 200 || (r.status === 503 && isAbort(r)), `only 200s and 503 FI: ${summary(r)} ${r.body}`);
    assert.ok(r.ms < 1_000 || (r.ms >= SEED_DELAY_MS - 10 && r.ms < SEED_DELAY_MS + 1_500), `either prompt or delayed by 5 s: ${Math.round(r.ms)} ms`);
  }
  const [dLow, dHigh] = binomialBounds(SEED_REQUESTS, 0.1);
  const [, aHigh] = binomialBounds(SEED_REQUESTS, 0.05);
  assert.ok(delayed.length >= Math.max(1, dLow) && delayed.length <= dHigh, `${delayed.length} of ${SEED_REQUESTS} delayed, expected 10 % (${Math.max(1, dLow)}–${dHigh})`);
  assert.ok(aborted.length <= aHigh, `${aborted.length} of ${SEED_REQUESTS} aborted, expected 5 % (at most ${aHigh})`);
  for (const r of aborted) assert.equal(r.headers['x-weft-proxy'], client.proxyId, 'the client\'s own sidecar aborted it');

  const reached = (await appSeen<FlakySeen>(userService)).served.filter((s) => s.path.startsWith('/seed/')).length;
  assert.equal(reached, SEED_REQUESTS - aborted.length, 'the aborted requests never reached the backend, the others did once');

  const byPath = await linesByPath('/seed/', SEED_REQUESTS);
  const di = [...byPath.values()].filter((l) => flagsOf(l).includes('DI'));
  assert.equal(di.length, delayed.length, `one DI line per delayed request: ${di.length} lines, ${delayed.length} delayed`);
});

test('30 % delayed by 200 ms and 20 % aborted with 503 over 600 requests: both shares within 4 standard deviations; aborts carry FI and are not retried, delays DI', { timeout: 40_000 }, async (t) => {
  const applied = await applyFiles(mesh, SHORT);
  assert.match(applied.stdout, /^virtualservice\.networking\.istio\.io\/web-fault created$/m);
  assertEnforced(applied, SHORT);
  await waitForConfig(client, 'the short fault on the web route', (c) => routesFor(c, 'web:8080').some((r) => r.fault?.delay?.fixedDelayMs === SHORT_DELAY_MS));

  const replies = await sendMany(client.ports.outbound, SHORT_REQUESTS, SHORT_CONCURRENCY, (i) => `http://web:8080/f/${i}`);
  const byPath = await linesByPath('/f/', SHORT_REQUESTS);
  const lineOf = (i: number): AccessLogLine => {
    const l = byPath.get(`/f/${i}`);
    assert.ok(l !== undefined, `no access-log line for /f/${i}`);
    return l;
  };
  const aborted = replies.filter(isAbort);
  const delayedIdx = replies.map((_, i) => i).filter((i) => flagsOf(lineOf(i)).includes('DI'));
  const [dLow, dHigh] = binomialBounds(SHORT_REQUESTS, SHORT_DELAY_SHARE);
  const [aLow, aHigh] = binomialBounds(SHORT_REQUESTS, SHORT_ABORT_SHARE);
  t.diagnostic(`${JSON.stringify(countBy(replies, summary))}; delayed (DI) ${delayedIdx.length} = ${(100 * delayedIdx.length / SHORT_REQUESTS).toFixed(1)} % (bounds ${dLow}–${dHigh}), aborted (FI) ${aborted.length} = ${(100 * aborted.length / SHORT_REQUESTS).toFixed(1)} % (bounds ${aLow}–${aHigh})`);

  for (const r of replies) assert.ok(r.status === 200 || (r.status === 503 && isAbort(r)), `only 200s and 503 FI: ${summary(r)} ${r.body}`);
  assert.ok(delayedIdx.length >= dLow && delayedIdx.length <= dHigh, `${delayedIdx.length} of ${SHORT_REQUESTS} delayed, expected ${100 * SHORT_DELAY_SHARE} % (${dLow}–${dHigh})`);
  assert.ok(aborted.length >= aLow && aborted.length <= aHigh, `${aborted.length} of ${SHORT_REQUESTS} aborted, expected ${100 * SHORT_ABORT_SHARE} % (${aLow}–${aHigh})`);

  replies.forEach((r, i) => {
    const line = lineOf(i);
    assert.equal(isAbort(r), flagsOf(line).includes('FI'), `/f/${i}: the reply's flags (${String(r.headers['x-weft-response-flags'])}) and the access log's (${line.response_flags}) agree on FI`);
    if (flagsOf(line).includes('DI')) assert.ok(r.ms >= SHORT_DELAY_MS - 5, `/f/${i} is flagged DI but took ${Math.round(r.ms)} ms`);
  });
  const prompt = replies.filter((_, i) => !flagsOf(lineOf(i)).includes('DI'));
  assert.ok(median(prompt.map((r) => r.ms)) < SHORT_DELAY_MS / 2, `requests not delayed have a median of ${Math.round(median(prompt.map((r) => r.ms)))} ms`);

  // An injected abort is the sidecar's own answer: never forwarded, never retried.
  const served = new Set((await appSeen<FlakySeen>(web)).served.map((s) => s.path).filter((p) => p.startsWith('/f/')));
  assert.equal(served.size, SHORT_REQUESTS - aborted.length, `the backend served ${served.size} requests: exactly the ones not aborted`);
  replies.forEach((r, i) => {
    if (isAbort(r)) assert.ok(!served.has(`/f/${i}`), `the aborted /f/${i} reached the backend`);
  });
});
