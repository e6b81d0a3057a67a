// Leaving the endpoint set: a workload whose app exits cleanly leaves at once; one whose `weft run` is killed with SIGKILL leaves when its lease lapses (short --lease-ttl), not before; afterwards no request is sent to either.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { startWeft } from '../cli/harness.ts';
import { call } from '../controlplane/harness.ts';
import { ECHO_APP, Mesh, MeshProcess, NODE, sleep, waitUntil, type Workload } from './harness/mesh.ts';

const LEASE_TTL_MS = 3_000;
/** The sidecar renews every third of the TTL, so a killed workload's lease lapses between 2/3 TTL and TTL after the kill. */
const EARLIEST_LAPSE_MS = (LEASE_TTL_MS * 2) / 3;
const REQUESTS = 60;
/** Between a kill and the lapse, requests to the dead replica fail fast (503 UF); none may take this long. */
const NO_HANG_MS = 3_000;
/** An app that only keeps `weft run` alive: the test sends the client's requests through its sidecar. */
const IDLE_APP = [NODE, '-e', 'setInterval(() => {}, 1 << 30)'];

interface Answer {
  readonly status: number;
  /** The replica's version label (its app says it), or the failure. */
  readonly answer: string;
  readonly ms: number;
}

const agent = new Agent({ keepAlive: true });

/** GET http://web:8080/ in absolute form through the client sidecar's outbound listener (what an HTTP_PROXY client sends). */
function get(outboundPort: number): Promise<Answer> {
  const start = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, answer: string): void => resolve({ status, answer, ms: performance.now() - start });
    const req = request({ host: '127.0.0.1', port: outboundPort, path: 'http://web:8080/', agent, timeout: NO_HANG_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        done(status, status === 200 ? String((JSON.parse(body) as { version?: unknown }).version) : `${status} ${String(res.headers['x-weft-response-flags'] ?? '')}`);
      });
      res.on('error', (err) => done(0, `response error: ${err.message}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${NO_HANG_MS} ms`)));
    req.on('error', (err) => done(0, `error: ${err.message}`));
    req.end();
  });
}

async function sequential(outboundPort: number, n: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i++) answers.push(await get(outboundPort));
  return answers;
}

function countBy(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[a.answer] = (counts[a.answer] ?? 0) + 1;
  return counts;
}

/** The workloads the control plane lists right now (the same API `weft get workloads` reads). */
async function registered(url: string): Promise<string[]> {
  const res = await call(url, 'GET', '/v1/workloads');
  return (res.json as { workloads: { name: string }[] }).workloads.map((w) => w.name);
}

/** `weft get workloads`: the names in its first column. */
async function listedByCli(mesh: Mesh): Promise<string[]> {
  const r = await mesh.weft(['get', 'workloads']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[0] ?? '');
}

/** "web-v2-k7qz.default" → "web-v2-k7qz", as `weft get workloads` names it. */
const nameOf = (w: Workload): string => w.proxyId.replace(/\.[^.]+$/, '');

/** Waits until the client's sidecar has no endpoint of `gone` any more (its config was pushed). */
async function waitForEndpointGone(client: Workload, gone: Workload, timeoutMs: number): Promise<void> {
  await waitUntil(`the client's sidecar still had an endpoint of ${gone.proxyId}`, async () => {
    const eps = ((await client.configDump()).config?.clusters ?? []).flatMap((c) => c.endpoints.map((e) => e.workload));
    return eps.includes(nameOf(gone)) ? { done: false, last: `endpoints: ${eps.join(', ')}` } : { done: true, value: undefined };
  }, timeoutMs, 50);
}

/**
 * Upstream hosts of the client sidecar's outbound access-log lines (on its stderr) after the
 * first `from` characters, once there are `count` of them (a line is written as its stream ends,
 * and reaches the pipe a moment after the response).
 */
async function upstreamsSince(client: Workload, from: number, count: number): Promise<string[]> {
  return waitUntil(`the client's sidecar never logged ${count} outbound requests`, async () => {
    const hosts = client.output().stderr.slice(from).split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"direction":"outbound"') && line.endsWith('}'))
      .map((line) => String((JSON.parse(line) as { upstream_host?: unknown }).upstream_host));
    return hosts.length >= count ? { done: true, value: hosts } : { done: false, last: `${hosts.length} lines` };
  }, 5_000, 20);
}

/** The app `weft run` started (its only child). */
async function appPidOf(w: Workload): Promise<number> {
  const children = (await readFile(`/proc/${w.pid}/task/${w.pid}/children`, 'utf8')).trim().split(/\s+/).filter((s) => s !== '').map(Number);
  assert.equal(children.length, 1, `weft run ${w.pid} has one child, its app: ${children.join(' ')}`);
  return children[0]!;
}

let mesh: Mesh;
/** The control plane with the short lease, on the mesh's port and state directory. */
let controlPlane: MeshProcess | undefined;
let client: Workload;
let v1: Workload;
let v2: Workload;
let v3: Workload;

before(async () => {
  mesh = await Mesh.start();
  // The mesh's control plane has the default lease (10 s): replace it, before any workload
  // exists, by one with a short lease on the same port and state directory.
  await mesh.controlPlane.stop();
  controlPlane = new MeshProcess(startWeft(['control-plane', '--port', new URL(mesh.url).port, '--state-dir', mesh.stateDir, '--lease-ttl', `${LEASE_TTL_MS}ms`], { env: mesh.env, detached: true }), `weft control-plane --lease-ttl ${LEASE_TTL_MS}ms`);
  await controlPlane.waitFor(new RegExp(`listening on ${mesh.url.replaceAll('.', '\\.')}\\b`), 30_000);
  const replica = (version: string, env: Record<string, string> = {}): Promise<Workload> =>
    mesh.run({ service: 'web', version, command: [NODE, ECHO_APP], env: { VERSION: version, ...env }, appReady: /echo up on/ });
  [client, v1, v2, v3] = await Promise.all([
    mesh.run({ service: 'client', command: IDLE_APP, accessLog: 'stderr' }),
    replica('v1'),
    replica('v2'),
    // Its app exits with status 0 on SIGTERM: a clean exit.
    replica('v3', { EXIT_ON_TERM: '0' }),
  ]);
  await client.waitForEndpoints({ '||web.': 3 });
  // All three replicas serve before anything leaves.
  const warm = countBy(await sequential(client.ports.outbound, REQUESTS));
  assert.deepEqual(Object.keys(warm).sort(), ['v1', 'v2', 'v3'], JSON.stringify(warm));
});

after(async () => {
  agent.destroy();
  // The workloads first (they deregister from the live control plane), then the control plane
  // this file started, then the mesh's own stop and its check that no process is left.
  await Promise.all([client, v1, v2, v3].filter((w) => w !== undefined).map((w) => w.stop()));
  await controlPlane?.stop();
  await mesh?.close();
});

test('a workload whose app exits cleanly leaves the endpoint set at once, and gets no request afterwards', { timeout: 60_000 }, async (t) => {
  process.kill(await appPidOf(v3), 'SIGTERM');
  const r = await v3.done(10_000);
  const exitedAt = performance.now();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /web v3 exited with status 0; sidecar drained/);
  // weft run deregistered before it exited: the very first look no longer lists it.
  assert.ok(!(await registered(mesh.url)).includes(nameOf(v3)), 'deregistered by the time weft run exited');
  await waitForEndpointGone(client, v3, LEASE_TTL_MS);
  const dropped = performance.now() - exitedAt;
  t.diagnostic(`the client's sidecar dropped it ${Math.round(dropped)} ms after weft run exited`);
  assert.ok(dropped < EARLIEST_LAPSE_MS, `gone from the client's config ${Math.round(dropped)} ms after the exit: sooner than any lease could lapse`);
  assert.ok(!(await listedByCli(mesh)).includes(nameOf(v3)), 'weft get workloads no longer lists it');

  const logFrom = client.output().stderr.length;
  const answers = await sequential(client.ports.outbound, REQUESTS);
  const counts = countBy(answers);
  assert.deepEqual(Object.keys(counts).sort(), ['v1', 'v2'], `every request succeeds and goes to the remaining replicas: ${JSON.stringify(counts)}`);
  const upstreams = await upstreamsSince(client, logFrom, REQUESTS);
  assert.equal(upstreams.length, REQUESTS, 'one access-log line per request');
  assert.ok(!upstreams.includes(`127.0.0.1:${v3.ports.inbound}`), 'no request was sent to the replica that left');
});

test('a workload killed with SIGKILL leaves when its lease lapses, not before, and gets no request afterwards', { timeout: 60_000 }, async (t) => {
  process.kill(-v2.pid, 'SIGKILL');
  const killedAt = performance.now();
  await v2.done(10_000);

  // Until the lease lapses the dead replica stays in the endpoint set; requests that pick it fail
  // fast (503 UF). Nothing is asserted about them except that none hangs.
  const window: Answer[] = [];
  let lapsedAt: number | null = null;
  let lastSeenAt = killedAt;
  const deadline = killedAt + LEASE_TTL_MS + 5_000;
  while (lapsedAt === null && performance.now() < deadline) {
    const probedAt = performance.now();
    if ((await registered(mesh.url)).includes(nameOf(v2))) lastSeenAt = probedAt;
    else lapsedAt = performance.now();
    window.push(await get(client.ports.outbound));
    await sleep(50);
  }
  assert.ok(lapsedAt !== null, `the killed workload was still registered ${Math.round(deadline - killedAt)} ms after the kill (lease TTL ${LEASE_TTL_MS} ms)`);
  t.diagnostic(`lease lapsed between ${Math.round(lastSeenAt - killedAt)} and ${Math.round(lapsedAt - killedAt)} ms after the kill (TTL ${LEASE_TTL_MS} ms); in between ${JSON.stringify(countBy(window))}, slowest ${Math.round(Math.max(...window.map((a) => a.ms)))} ms`);
  assert.ok(lastSeenAt - killedAt >= EARLIEST_LAPSE_MS - 500, `still registered until ${Math.round(lastSeenAt - killedAt)} ms after the kill: its lease (${LEASE_TTL_MS} ms) did not lapse much sooner than due`);
  assert.ok(window.every((a) => a.ms < NO_HANG_MS), `between the kill and the lapse no request hangs: ${JSON.stringify(countBy(window))}`);
  assert.ok(!(await listedByCli(mesh)).includes(nameOf(v2)), 'weft get workloads no longer lists it');

  await waitForEndpointGone(client, v2, 5_000);
  const logFrom = client.output().stderr.length;
  const answers = await sequential(client.ports.outbound, REQUESTS);
  const counts = countBy(answers);
  assert.ok(answers.every((a) => a.status === 200), `every request succeeds: ${JSON.stringify(counts)}`);
  assert.equal(counts.v2, undefined, `no answer from the killed replica: ${JSON.stringify(counts)}`);
  assert.ok((counts.v1 ?? 0) > 0, JSON.stringify(counts));
  const upstreams = await upstreamsSince(client, logFrom, REQUESTS);
  assert.equal(upstreams.length, REQUESTS, 'one access-log line per request');
  assert.ok(!upstreams.includes(`127.0.0.1:${v2.ports.inbound}`), 'no request was sent to the killed replica');
});
