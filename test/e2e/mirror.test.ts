// Mirroring: with `mirror` and mirrorPercentage 100 the client gets the primary's answer, the mirror gets a copy (method, path, body) with "-shadow" appended to its Host and its answer is discarded; a mirror that never answers, or whose workload was killed, neither fails nor slows the client's requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { E2E_APPS, Mesh, NODE, waitUntil, type Workload } from './harness/mesh.ts';
import {
  IDLE_APP_ARGS, VARIANT_FIXTURES, appSeen, applyFiles, assertEnforced, countBy, keepAliveAgent, median, routesFor, send, summary, waitForConfig,
  type RecorderSeen, type Reply,
} from './harness/traffic.ts';

/** web → web, mirrored to web-mirror at 100 %. */
const MIRROR = join(VARIANT_FIXTURES, 'mirror.yaml');
/** The same, mirrored to web-hang (accepts, never answers). */
const MIRROR_HANGING = join(VARIANT_FIXTURES, 'mirror-hanging.yaml');
const REQUESTS = 40;
const BODY = 'x'.repeat(1024);
/**
 * "Not slowed": the median latency may exceed the unmirrored baseline's by at most this much
 * (scheduling noise on a 2-core machine; a wait on the mirror would cost its whole timeout),
 * and no request may take as long as SLOW_MS.
 */
const MEDIAN_SLACK_MS = 20;
const SLOW_MS = 1_000;

let mesh: Mesh;
let client: Workload;
let primary: Workload;
let mirror: Workload;
let hanging: Workload;
const agent = keepAliveAgent(1);
/** Median latency of plain requests to web before any mirror is configured. */
let baselineMedian = Number.NaN;

const recorder = (service: string, env: Record<string, string>): Promise<Workload> => mesh.run({
  service, version: 'v1', command: [NODE, join(E2E_APPS, 'recorder-server.ts')], env, appReady: /recorder .* up on/,
});

/** REQUESTS sequential requests to web under `prefix`, even ones GET, odd ones POST with a 1 KiB body. */
async function traffic(prefix: string): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const url = `http://web:8080${prefix}${i}`;
    replies.push(await send(client.ports.outbound, url, i % 2 === 0 ? { agent, timeoutMs: 5_000 } : { agent, timeoutMs: 5_000, method: 'POST', body: BODY }));
  }
  return replies;
}

/** Asserts every reply is the primary's 200 and the latencies are not worse than the baseline's. */
function assertPrimaryUnslowed(replies: readonly Reply[], what: string): void {
  assert.deepEqual(countBy(replies, summary), { '200 web-primary': REQUESTS }, `${what}: every request answered by the primary`);
  const m = median(replies.map((r) => r.ms));
  const slowest = Math.max(...replies.map((r) => r.ms));
  assert.ok(m <= baselineMedian + MEDIAN_SLACK_MS, `${what}: median ${m.toFixed(1)} ms against ${baselineMedian.toFixed(1)} ms without a mirror (allowed + ${MEDIAN_SLACK_MS} ms)`);
  assert.ok(slowest < SLOW_MS, `${what}: the slowest request took ${Math.round(slowest)} ms`);
}

before(async () => {
  mesh = await Mesh.start();
  [client, primary, mirror, hanging] = await Promise.all([
    mesh.run({ service: 'client', command: [NODE, ...IDLE_APP_ARGS] }),
    recorder('web', { NAME: 'web-primary' }),
    // The mirror answers 500: the client must never see it.
    recorder('web-mirror', { NAME: 'web-mirror', STATUS: '500' }),
    recorder('web-hang', { NAME: 'web-hang', HANG: '1' }),
  ]);
  await client.waitForEndpoints({ '||web.': 1, '||web-mirror.': 1, '||web-hang.': 1 });
  const plain = await traffic('/plain/');
  assert.deepEqual(countBy(plain, summary), { '200 web-primary': REQUESTS });
  baselineMedian = median(plain.map((r) => r.ms));
});

after(async () => {
  agent.destroy();
  await mesh?.close();
});

test('mirror at 100 %: the client gets the primary\'s answer, the mirror gets each request with Host web-shadow:8080, its 500s are discarded', { timeout: 30_000 }, async (t) => {
  const applied = await applyFiles(mesh, MIRROR);
  assert.match(applied.stdout, /^virtualservice\.networking\.istio\.io\/web created$/m);
  assertEnforced(applied, MIRROR);
  await waitForConfig(client, 'the mirror policy on the web route', (c) => routesFor(c, 'web:8080').some((r) => (r.mirrors ?? []).some((m) => m.cluster.includes('|web-mirror.') && m.percent === 100)));

  const replies = await traffic('/m/');
  t.diagnostic(`median ${median(replies.map((r) => r.ms)).toFixed(1)} ms (no mirror: ${baselineMedian.toFixed(1)} ms)`);
  assertPrimaryUnslowed(replies, 'with a mirror answering 500');
  for (const r of replies) assert.equal(JSON.parse(r.body).host, 'web:8080', 'the primary saw the Host the client sent');

  const primarySeen = (await appSeen<RecorderSeen>(primary)).seen.filter((s) => s.path.startsWith('/m/'));
  assert.equal(primarySeen.length, REQUESTS);
  const copies = await waitUntil(`the mirror received ${REQUESTS} copies`, async () => {
    const seen = (await appSeen<RecorderSeen>(mirror)).seen.filter((s) => s.path.startsWith('/m/'));
    return seen.length >= REQUESTS ? { done: true, value: seen } : { done: false, last: `${seen.length} copies` };
  }, 5_000, 50);
  t.diagnostic(`the mirror saw Host ${JSON.stringify([...new Set(copies.map((c) => c.host))])}`);
  assert.equal(copies.length, REQUESTS, 'one copy per request, no more');
  // Envoy appends "-shadow" to the host part of the authority, before the port.
  assert.deepEqual([...new Set(copies.map((c) => c.host))], ['web-shadow:8080'], 'the copies carry Host web-shadow:8080');
  const key = (s: { method: string; path: string; bytes: number }): string => `${s.method} ${s.path} ${s.bytes}`;
  assert.deepEqual(copies.map(key).sort(), primarySeen.map(key).sort(), 'each copy has the original\'s method, path and body');
});

test('a mirror that accepts and never answers: the client\'s requests are not slowed', { timeout: 30_000 }, async (t) => {
  const applied = await applyFiles(mesh, MIRROR_HANGING);
  assert.match(applied.stdout, /^virtualservice\.networking\.istio\.io\/web configured$/m);
  await waitForConfig(client, 'the mirror to web-hang', (c) => routesFor(c, 'web:8080').some((r) => (r.mirrors ?? []).some((m) => m.cluster.includes('|web-hang.'))));

  const replies = await traffic('/h/');
  t.diagnostic(`median ${median(replies.map((r) => r.ms)).toFixed(1)} ms, slowest ${Math.round(Math.max(...replies.map((r) => r.ms)))} ms (no mirror: ${baselineMedian.toFixed(1)} ms)`);
  assertPrimaryUnslowed(replies, 'with a mirror that never answers');
  const held = (await appSeen<RecorderSeen>(hanging)).seen.filter((s) => s.path.startsWith('/h/'));
  assert.ok(held.length > 0, 'the copies did reach the hanging mirror (and were left waiting there)');
});

test('a mirror whose workload was killed (SIGKILL: its endpoint is still listed until its lease lapses): the client\'s requests still succeed, not slowed', { timeout: 30_000 }, async (t) => {
  const applied = await applyFiles(mesh, MIRROR);
  assert.match(applied.stdout, /^virtualservice\.networking\.istio\.io\/web configured$/m);
  await waitForConfig(client, 'the mirror to web-mirror again', (c) => routesFor(c, 'web:8080').some((r) => (r.mirrors ?? []).some((m) => m.cluster.includes('|web-mirror.'))));
  mirror.signalGroup('SIGKILL');
  await mirror.done(10_000);

  const replies = await traffic('/d/');
  t.diagnostic(`median ${median(replies.map((r) => r.ms)).toFixed(1)} ms, slowest ${Math.round(Math.max(...replies.map((r) => r.ms)))} ms (no mirror: ${baselineMedian.toFixed(1)} ms)`);
  assertPrimaryUnslowed(replies, 'with the mirror\'s workload dead');
  assert.equal((await appSeen<RecorderSeen>(primary)).seen.filter((s) => s.path.startsWith('/d/')).length, REQUESTS);
});
