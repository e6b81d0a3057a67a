// `kill -9` of the control plane under traffic: every request still succeeds on the sidecars' last good config; restarted on the same state directory and port, it has all the applied config, the proxies reconnect and sync, and routing follows the config.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { startWeft } from '../cli/harness.ts';
import { CANARY, ECHO_APP, Mesh, MeshProcess, NODE, sleep, waitUntil, type Workload } from './harness/mesh.ts';

/** The client's traffic: a fixed count at a fixed pace (20 requests/s for 10 s), every fifth one with `user-type: beta`. */
const REQUESTS = 200;
const INTERVAL_MS = 50;
const KILL_AT_MS = 2_000;
/** How long the control plane stays dead before it is started again. */
const DOWN_MS = 3_000;
/** Each request's own bound: a request that hangs fails instead of stalling the test. */
const REQUEST_TIMEOUT_MS = 5_000;
const SYNC_BOUND_MS = 15_000;
/** An app that only keeps `weft run` alive: the test sends the client's requests through its sidecar. */
const IDLE_APP = [NODE, '-e', 'setInterval(() => {}, 1 << 30)'];

/** The seed canary with every normal request sent to v2: applied after the restart to show that pushes flow again. */
const ALL_V2 = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: order-service
spec:
  hosts:
  - order-service
  http:
  - route:
    - destination:
        host: order-service
        subset: v2
`;

interface Outcome {
  readonly i: number;
  readonly beta: boolean;
  /** When it was sent, ms after the traffic started. */
  readonly at: number;
  readonly status: number;
  /** The version that answered, or what went wrong. */
  readonly answer: string;
}

const agent = new Agent({ keepAlive: true });

/** GET http://order-service:8080<path> in absolute form through the sidecar's outbound listener (what an HTTP_PROXY client sends). */
function get(outboundPort: number, path: string, headers: Record<string, string>): Promise<{ status: number; answer: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: outboundPort, path: `http://order-service:8080${path}`, headers, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          resolve({ status, answer: `${status} ${String(res.headers['x-weft-response-flags'] ?? '')} ${body.slice(0, 120)}` });
          return;
        }
        resolve({ status, answer: String((JSON.parse(body) as { version?: unknown }).version) });
      });
      res.on('error', (err) => resolve({ status: 0, answer: `response error: ${err.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve({ status: 0, answer: `error: ${err.message}` }));
    req.end();
  });
}

/** Sends `count` requests at a fixed pace, each on its own schedule (a slow answer delays no other request). */
async function traffic(outboundPort: number, count: number, intervalMs: number): Promise<Outcome[]> {
  const start = performance.now();
  const pending: Promise<Outcome>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + i * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    const beta = i % 5 === 0;
    const at = performance.now() - start;
    pending.push(get(outboundPort, `/orders/${i}`, beta ? { 'user-type': 'beta' } : {}).then((r) => ({ i, beta, at, ...r })));
  }
  return Promise.all(pending);
}

function countBy(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.answer] = (counts[o.answer] ?? 0) + 1;
  return counts;
}

function killGroup(p: MeshProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.pid, signal);
  } catch {
    // Gone already.
  }
}

let mesh: Mesh;
let client: Workload;
let servers: Workload[];
/** The control plane started again by this test (the mesh's own one is killed). */
let restarted: MeshProcess | undefined;

before(async () => {
  mesh = await Mesh.start();
  [client, ...servers] = await Promise.all([
    mesh.run({ service: 'client', command: IDLE_APP }),
    mesh.run({ service: 'order-service', version: 'v1', command: [NODE, ECHO_APP], env: { VERSION: 'v1' }, appReady: /echo up on/ }),
    mesh.run({ service: 'order-service', version: 'v2', command: [NODE, ECHO_APP], env: { VERSION: 'v2' }, appReady: /echo up on/ }),
  ]);
});

after(async () => {
  agent.destroy();
  // The workloads first (they deregister from the live control plane), then the control plane
  // this test started, then the mesh's own stop and its check that no process is left.
  await Promise.all([client, ...(servers ?? [])].filter((w) => w !== undefined).map((w) => w.stop()));
  await restarted?.stop();
  await mesh?.close();
});

test('kill -9 of the control plane under traffic: no request fails; after a restart on the same state and port every proxy syncs and the config is all there', { timeout: 120_000 }, async (t) => {
  const applied = await mesh.weft(['apply', '-f', CANARY]);
  assert.equal(applied.code, 0, applied.stderr);
  await client.waitForEndpoints({ '|v1|order-service.': 1, '|v2|order-service.': 1 });
  const proxies = [client.proxyId, ...servers.map((s) => s.proxyId)];
  await mesh.waitForSynced(proxies);
  const vsBefore = await mesh.weft(['get', 'vs', '-o', 'yaml']);
  const drBefore = await mesh.weft(['get', 'dr', '-o', 'yaml']);
  assert.match(vsBefore.stdout, /name: order-service/);
  assert.match(drBefore.stdout, /name: order-service/);

  const port = new URL(mesh.url).port;
  const trafficDone = traffic(client.ports.outbound, REQUESTS, INTERVAL_MS);
  const t0 = performance.now();

  await sleep(KILL_AT_MS);
  killGroup(mesh.controlPlane, 'SIGKILL');
  const killedAt = performance.now() - t0;
  const dead = await mesh.controlPlane.done(10_000);
  assert.equal(dead.signal, 'SIGKILL');
  // It is really away: the CLI cannot reach it.
  const unreachable = await mesh.weft(['get', 'vs']);
  assert.equal(unreachable.code, 3, `${unreachable.stdout}${unreachable.stderr}`);
  await sleep(Math.max(0, killedAt + DOWN_MS - (performance.now() - t0)));

  restarted = new MeshProcess(startWeft(['control-plane', '--port', port, '--state-dir', mesh.stateDir], { env: mesh.env, detached: true }), 'weft control-plane (restarted)');
  await restarted.waitFor(new RegExp(`listening on ${mesh.url.replaceAll('.', '\\.')}\\b`), 30_000, `the control plane did not start again on ${mesh.url}`);
  const restartedAt = performance.now() - t0;
  await mesh.waitForSynced(proxies, SYNC_BOUND_MS);
  const syncedAt = performance.now() - t0;

  const outcomes = await trafficDone;
  const failures = outcomes.filter((o) => o.status !== 200);
  const duringOutage = outcomes.filter((o) => o.at > killedAt && o.at < restartedAt);
  t.diagnostic(`killed at ${Math.round(killedAt)} ms, listening again at ${Math.round(restartedAt)} ms, all synced at ${Math.round(syncedAt)} ms; ${duringOutage.length} requests sent while it was down`);
  assert.deepEqual(failures, [], 'every request succeeds, also while the control plane is away');
  assert.equal(outcomes.length, REQUESTS);
  assert.ok(duringOutage.length >= (DOWN_MS / INTERVAL_MS) * 0.8, `requests were sent while the control plane was down: ${duringOutage.length}`);

  // Routing followed the canary throughout: beta users only v2, the others mostly v1.
  assert.deepEqual(countBy(outcomes.filter((o) => o.beta)), { v2: REQUESTS / 5 });
  const normal = countBy(outcomes.filter((o) => !o.beta));
  const v1 = normal.v1 ?? 0;
  const v2 = normal.v2 ?? 0;
  assert.equal(v1 + v2, REQUESTS - REQUESTS / 5, JSON.stringify(normal));
  assert.ok(v2 >= 1 && v2 / (v1 + v2) < 0.3, `about 10 % of normal requests go to v2: ${JSON.stringify(normal)}`);

  // Everything applied before the crash is there, byte for byte.
  const vsAfter = await mesh.weft(['get', 'vs', '-o', 'yaml']);
  const drAfter = await mesh.weft(['get', 'dr', '-o', 'yaml']);
  assert.equal(vsAfter.code, 0, vsAfter.stderr);
  assert.equal(vsAfter.stdout, vsBefore.stdout);
  assert.equal(drAfter.stdout, drBefore.stdout);
  const workloads = await mesh.weft(['get', 'workloads']);
  for (const w of [client, ...servers]) assert.match(workloads.stdout, new RegExp(`^${w.proxyId.replace(/\.default$/, '')}\\s`, 'm'), 'the registry is back too');

  // The reconnected streams carry new config: a change applied now reaches the client's sidecar.
  const versionBefore = (await client.configDump()).config?.version;
  const changed = new MeshProcess(startWeft(['apply', '-f', '-'], { env: mesh.env, input: ALL_V2, detached: true }), 'weft apply -f -');
  const r = await changed.done(30_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /virtualservice\.networking\.istio\.io\/order-service configured/);
  await waitUntil('the client\'s sidecar never got the config applied after the restart', async () => {
    const v = (await client.configDump()).config?.version;
    return v !== versionBefore ? { done: true, value: v } : { done: false, last: `still ${v}` };
  }, 10_000, 50);
  await mesh.waitForSynced(proxies);
  const afterChange = await traffic(client.ports.outbound, 20, 10);
  assert.deepEqual(countBy(afterChange), { v2: 20 });
});
