// Local rate limiting: the seed's EnvoyFilter applied verbatim (100 tokens per 60 s on every inbound of namespace default) lets 100 requests through and answers the 101st 429 RL; a 1 s fill interval refills the bucket a whole fill at a time; Istio's task shape (TypedStruct, selector, filter_enabled/enforced, x-local-rate-limit) and Weft's LocalRateLimit kind do the same; an unsupported EnvoyFilter patch is refused at apply.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { E2E_APPS, Mesh, NODE, sleep, type Workload } from './harness/mesh.ts';
import {
  IDLE_APP_ARGS, SEED_FIXTURES, VARIANT_FIXTURES, appSeen, applyFiles, assertEnforced, countBy, flagsOf, keepAliveAgent, proxyConfig, send, sha256, summary,
  waitForConfig, waitForLog, type FlakySeen, type Reply,
} from './harness/traffic.ts';

/** Seed lines 455–478 ("Rate Limiting"), byte for byte. */
const SEED_RATE_LIMIT = join(SEED_FIXTURES, 'rate-limit.yaml');
const SEED_RATE_LIMIT_SHA256 = 'd711380f70f9ee40f7b791a25bc4b53bff074c45002e0ff6e50cd3b994b96fe6';
const SEED_TOKENS = 100;
/** 5 tokens, 5 per fill, every 1 s, in namespace rl-refill. */
const REFILL = join(VARIANT_FIXTURES, 'rate-limit-refill.yaml');
const REFILL_TOKENS = 5;
const REFILL_INTERVAL_MS = 1_000;
/** Istio's task: 4 per 60 s for app: productpage, from the root namespace. */
const ISTIO_TASK = join(VARIANT_FIXTURES, 'rate-limit-istio-task.yaml');
const TASK_TOKENS = 4;
/** Weft's LocalRateLimit: orders 3 per 1 s inbound, limited-client 2 per 60 s outbound. */
const WEFT_KIND = join(VARIANT_FIXTURES, 'rate-limit-weft-kind.yaml');
const UNSUPPORTED = join(VARIANT_FIXTURES, 'envoy-filter-unsupported.yaml');

let mesh: Mesh;
let client: Workload;
let userService: Workload;
let web: Workload;
let productpage: Workload;
let reviews: Workload;
let orders: Workload;
let limitedClient: Workload;
const agent = keepAliveAgent(1);

const flaky = (service: string, namespace: string): Promise<Workload> => mesh.run({
  service, namespace, version: 'v1', command: [NODE, join(E2E_APPS, 'flaky-server.ts')], env: { VERSION: 'v1' }, accessLog: 'stderr', appReady: /flaky up on/,
});

const get = (url: string, from: Workload = client): Promise<Reply> => send(from.ports.outbound, url, { agent, timeoutMs: 5_000 });

/** Asserts `r` is the local rate limit's 429 from `by`'s sidecar. */
function assertLimited(r: Reply, by: Workload, what: string): void {
  assert.equal(r.status, 429, `${what}: got ${summary(r)} ${r.body}`);
  assert.equal(r.headers['x-weft-response-flags'], 'RL', `${what}: x-weft-response-flags ${String(r.headers['x-weft-response-flags'])}`);
  assert.equal(r.headers['x-weft-proxy'], by.proxyId, `${what}: refused by ${String(r.headers['x-weft-proxy'])}, expected ${by.proxyId}`);
}

/** Sequential requests until the first 429 (at most `max`): how many passed before it, and the 429. */
async function untilLimited(url: string, max: number, from: Workload = client): Promise<{ passed: number; limited: Reply | undefined }> {
  for (let passed = 0; passed < max; passed++) {
    const r = await get(url, from);
    if (r.status === 429) return { passed, limited: r };
    assert.equal(r.status, 200, `before the limit: ${summary(r)} ${r.body}`);
  }
  return { passed: max, limited: undefined };
}

/** Polls every 25 ms until a request passes (at most `maxMs`); the moment it passed (performance.now()). */
async function untilPasses(url: string, maxMs: number): Promise<number> {
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    const r = await get(url);
    if (r.status === 200) return performance.now();
    assert.equal(r.status, 429, `while limited: ${summary(r)}`);
    await sleep(25);
  }
  assert.fail(`the bucket did not refill within ${maxMs} ms`);
}

before(async () => {
  mesh = await Mesh.start();
  [client, userService, web, productpage, reviews, orders, limitedClient] = await Promise.all([
    mesh.run({ service: 'client', command: [NODE, ...IDLE_APP_ARGS] }),
    flaky('user-service', 'default'),
    flaky('web', 'rl-refill'),
    flaky('productpage', 'bookinfo'),
    flaky('reviews', 'bookinfo'),
    flaky('orders', 'rl-weft'),
    mesh.run({ service: 'limited-client', namespace: 'rl-weft', command: [NODE, ...IDLE_APP_ARGS], accessLog: 'stderr' }),
  ]);
  await client.waitForEndpoints({ '||user-service.': 1, '||web.': 1, '||productpage.': 1, '||reviews.': 1, '||orders.': 1 });
  await limitedClient.waitForEndpoints({ '||reviews.': 1 });
});

after(async () => {
  agent.destroy();
  await mesh?.close();
});

test('the seed\'s EnvoyFilter verbatim (100 per 60 s, SIDECAR_INBOUND, all of namespace default): 100 requests pass, the 101st gets 429 RL', { timeout: 40_000 }, async (t) => {
  assert.equal(await sha256(SEED_RATE_LIMIT), SEED_RATE_LIMIT_SHA256, `${SEED_RATE_LIMIT} is no longer the seed's YAML byte for byte`);
  const applied = await applyFiles(mesh, SEED_RATE_LIMIT);
  assert.match(applied.stdout, /^envoyfilter\.networking\.istio\.io\/rate-limit created$/m);
  assertEnforced(applied, 'the seed\'s EnvoyFilter');
  const config = await waitForConfig(userService, 'the seed\'s inbound rate limit', (c) => c.inbound.rateLimit !== undefined);
  assert.deepEqual(config.inbound.rateLimit, { maxTokens: 100, tokensPerFill: 100, fillIntervalMs: 60_000, enabledPercent: 100, enforcedPercent: 100, responseHeaders: [] });
  // No workloadSelector: every workload of namespace default has it, none of another namespace.
  await waitForConfig(client, 'the seed\'s inbound rate limit (it is in namespace default too)', (c) => c.inbound.rateLimit?.maxTokens === SEED_TOKENS);
  assert.equal((await proxyConfig(client))?.outboundRateLimit, undefined, 'SIDECAR_INBOUND only');
  assert.notEqual((await proxyConfig(reviews))?.inbound.rateLimit?.maxTokens, SEED_TOKENS, 'namespace bookinfo is not limited by a filter of namespace default');

  const started = performance.now();
  const first = await untilLimited('http://user-service:8080/rl/seed', SEED_TOKENS + 1);
  t.diagnostic(`${first.passed} passed, then 429, within ${Math.round(performance.now() - started)} ms`);
  assert.equal(first.passed, SEED_TOKENS, `the first ${SEED_TOKENS} requests pass`);
  assert.ok(first.limited !== undefined);
  assertLimited(first.limited, userService, 'request 101');
  for (let i = 0; i < 4; i++) assertLimited(await get('http://user-service:8080/rl/seed'), userService, `request ${102 + i}, still within the minute`);
  assert.equal((await appSeen<FlakySeen>(userService)).served.length, SEED_TOKENS, 'the app saw only the requests that passed');
  const limitedLines = await waitForLog(userService, 'flagged RL', (l) => l.direction === 'inbound' && flagsOf(l).includes('RL'), 5);
  assert.ok(limitedLines.every((l) => l.response_code === 429));
});

test('a 1 s fill interval (same shape, 5 tokens): a full bucket at first, refilled by a whole fill every second', { timeout: 40_000 }, async (t) => {
  const applied = await applyFiles(mesh, REFILL);
  assert.match(applied.stdout, /^envoyfilter\.networking\.istio\.io\/rate-limit-refill created$/m);
  assertEnforced(applied, REFILL);
  await waitForConfig(web, 'the 1 s rate limit', (c) => c.inbound.rateLimit?.fillIntervalMs === REFILL_INTERVAL_MS);
  const url = 'http://web.rl-refill:8080/rl/refill';

  // A full bucket; at most one fill can land during the burst.
  const burst = await untilLimited(url, 3 * REFILL_TOKENS);
  assert.ok(burst.limited !== undefined, `no 429 after ${burst.passed} requests`);
  assertLimited(burst.limited, web, 'the request after the bucket ran out');
  assert.ok(burst.passed >= REFILL_TOKENS && burst.passed <= 2 * REFILL_TOKENS, `${burst.passed} passed from a full bucket of ${REFILL_TOKENS}`);
  const emptyAt = performance.now();

  const refill1 = await untilPasses(url, REFILL_INTERVAL_MS + 1_000);
  // A fill adds tokens_per_fill at once (Envoy's token bucket), not a trickle.
  const second = await untilLimited(url, 3 * REFILL_TOKENS);
  const refill2 = await untilPasses(url, REFILL_INTERVAL_MS + 1_000);
  t.diagnostic(`bucket empty → refill after ${Math.round(refill1 - emptyAt)} ms; that fill let ${1 + second.passed} through; next fill ${Math.round(refill2 - refill1)} ms later`);
  assert.ok(refill1 - emptyAt <= REFILL_INTERVAL_MS + 300, `the first refill came ${Math.round(refill1 - emptyAt)} ms after the bucket ran out (fill interval ${REFILL_INTERVAL_MS} ms)`);
  assert.ok(1 + second.passed >= REFILL_TOKENS && 1 + second.passed <= 2 * REFILL_TOKENS, `one fill let ${1 + second.passed} requests through, expected tokens_per_fill = ${REFILL_TOKENS}`);
  assert.ok(refill2 - refill1 >= REFILL_INTERVAL_MS - 150 && refill2 - refill1 <= REFILL_INTERVAL_MS + 300, `fills ${Math.round(refill2 - refill1)} ms apart, expected the fill interval ${REFILL_INTERVAL_MS} ms`);
});

test('Istio\'s rate-limit task shape (root namespace, workloadSelector, TypedStruct, filter_enabled/enforced, response_headers_to_add): 429 carries x-local-rate-limit: true; unselected workloads are not limited', { timeout: 40_000 }, async () => {
  const applied = await applyFiles(mesh, ISTIO_TASK);
  assert.match(applied.stdout, /^envoyfilter\.networking\.istio\.io\/filter-local-ratelimit-svc created$/m);
  assertEnforced(applied, ISTIO_TASK);
  const config = await waitForConfig(productpage, 'the task\'s rate limit', (c) => c.inbound.rateLimit?.maxTokens === TASK_TOKENS);
  assert.deepEqual(config.inbound.rateLimit?.responseHeaders, [['x-local-rate-limit', 'true']]);
  assert.equal((await proxyConfig(reviews))?.inbound.rateLimit, undefined, 'reviews does not match the selector app: productpage');

  const r = await untilLimited('http://productpage.bookinfo:8080/rl/task', TASK_TOKENS + 1);
  assert.equal(r.passed, TASK_TOKENS);
  assert.ok(r.limited !== undefined);
  assertLimited(r.limited, productpage, `request ${TASK_TOKENS + 1}`);
  assert.equal(r.limited.headers['x-local-rate-limit'], 'true', `the task's response header: ${JSON.stringify(r.limited.headers)}`);

  const ok = await Promise.all(Array.from({ length: 10 }, (_, i) => get(`http://reviews.bookinfo:8080/rl/unselected/${i}`)));
  assert.deepEqual(countBy(ok, summary), { '200 v1': 10 }, 'reviews, in the same namespace but not selected, is not limited');
  assert.ok(ok.every((x) => x.headers['x-local-rate-limit'] === undefined));
});

test('Weft\'s LocalRateLimit kind: an inbound limit with a response header that refills, and an outbound limit refused by the caller\'s own sidecar', { timeout: 40_000 }, async () => {
  const applied = await applyFiles(mesh, WEFT_KIND);
  assert.match(applied.stdout, /orders-inbound created/);
  assert.match(applied.stdout, /client-outbound created/);
  assertEnforced(applied, WEFT_KIND);
  await waitForConfig(orders, 'the LocalRateLimit of orders', (c) => c.inbound.rateLimit?.maxTokens === 3);
  await waitForConfig(limitedClient, 'the outbound LocalRateLimit of limited-client', (c) => c.outboundRateLimit?.maxTokens === 2);

  const inbound = await untilLimited('http://orders.rl-weft:8080/rl/weft', 10);
  assert.equal(inbound.passed, 3);
  assert.ok(inbound.limited !== undefined);
  assertLimited(inbound.limited, orders, 'orders\' 4th request');
  assert.equal(inbound.limited.headers['x-limited-by'], 'weft');
  await untilPasses('http://orders.rl-weft:8080/rl/weft', 1_000 + 500);

  const outbound = await untilLimited('http://reviews.bookinfo:8080/rl/outbound', 5, limitedClient);
  assert.equal(outbound.passed, 2);
  assert.ok(outbound.limited !== undefined);
  assertLimited(outbound.limited, limitedClient, 'limited-client\'s 3rd request');
  assert.equal((await appSeen<FlakySeen>(reviews)).served.filter((s) => s.path.startsWith('/rl/outbound')).length, 2, 'the refused request never left the caller');
  const line = (await waitForLog(limitedClient, 'flagged RL', (l) => l.direction === 'outbound' && flagsOf(l).includes('RL')))[0]!;
  assert.equal(line.response_code, 429);
});

test('an EnvoyFilter patch Weft does not support is refused by weft apply: exit 1, says what is supported, nothing applied', { timeout: 30_000 }, async () => {
  const r = await mesh.weft(['apply', '-f', UNSUPPORTED]);
  assert.equal(r.code, 1, `weft apply -f ${UNSUPPORTED} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, /created|configured/, 'nothing applied');
  assert.match(r.stderr, /envoy\.filters\.http\.lua/, `the Lua filter is named:\n${r.stderr}`);
  assert.match(r.stderr, /CLUSTER/, `the CLUSTER patch is named:\n${r.stderr}`);
  assert.match(r.stderr, /envoy\.filters\.http\.local_ratelimit/, `the message says what is supported:\n${r.stderr}`);
  assert.match(r.stderr, /nothing was applied/);
  const vs = await mesh.weft(['get', 'vs', 'unsupported-probe']);
  assert.equal(vs.code, 4, `the VirtualService of the same file was not applied either: weft get vs unsupported-probe exited ${vs.code}\n${vs.stdout}${vs.stderr}`);
  const ef = await mesh.weft(['get', 'envoyfilter']);
  assert.equal(ef.code, 0, ef.stderr);
  assert.doesNotMatch(ef.stdout, /lua-hello|cluster-tweak/, `weft get envoyfilter lists neither:\n${ef.stdout}`);
});
