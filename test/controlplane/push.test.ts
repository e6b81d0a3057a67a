// Push over a real socket, on virtual time: snapshot on connect, new versions on change only, ACK/NACK in proxy-status, lease lapse and deregistration reaching other proxies, pings.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/lib/virtual-clock.ts';
import type { RunningControlPlane } from '../../src/controlplane/main.ts';
import { CANARY_YAML, StreamClient, applyYaml, call, endpointsByCluster, registration, start, tempStateDir } from './harness.ts';

const USER_CLUSTER = 'outbound|8080||user-service.default.svc.cluster.local';
/** More than the push debounce's quiet period (50 ms). */
const DEBOUNCE = 60;

describe('push stream', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  async function setup(leaseTtlMs = 10_000): Promise<{ cp: RunningControlPlane; clock: VirtualClock }> {
    const t = await tempStateDir();
    const clock = new VirtualClock();
    const cp = await start(t.dir, { clock, leaseTtlMs });
    cleanups.push(t.remove, () => cp.close());
    return { cp, clock };
  }

  async function register(cp: RunningControlPlane, ...names: [string, string][]): Promise<void> {
    for (const [name, service] of names) {
      const r = await call(cp.url, 'POST', '/v1/workloads', registration(name, { service }));
      assert.equal(r.status, 200, r.text);
    }
  }

  async function connect(cp: RunningControlPlane, id: string): Promise<StreamClient> {
    const s = await StreamClient.open(cp.url, id);
    cleanups.push(() => s.close());
    return s;
  }

  async function proxy(cp: RunningControlPlane, id: string) {
    const r = await call(cp.url, 'GET', '/v1/proxies');
    return r.json.proxies.find((p: { id: string }) => p.id === id);
  }

  it('sends a snapshot on connect and a new version on change; an ACK of the latest makes it SYNCED', async () => {
    const { cp, clock } = await setup();
    await register(cp, ['orders-v1', 'order-service'], ['users-v1', 'user-service']);
    const s = await connect(cp, 'orders-v1.default');
    assert.equal(s.status, 200);
    assert.equal(s.contentType, 'application/x-ndjson');
    const first = await s.nextSnapshot();
    assert.match(first.version, /^[0-9a-f]{16}$/);
    assert.equal(first.config.version, first.version);
    assert.equal(first.config.node.id, 'orders-v1.default');
    assert.equal(first.config.trustDomain, 'cluster.local');
    assert.deepEqual(endpointsByCluster(first.config)[USER_CLUSTER], ['users-v1']);
    assert.equal((await proxy(cp, 'orders-v1.default')).state, 'STALE');

    assert.equal((await call(cp.url, 'POST', '/v1/proxies/orders-v1.default/ack', { version: first.version })).status, 204);
    let p = await proxy(cp, 'orders-v1.default');
    assert.deepEqual([p.state, p.connected, p.sentVersion, p.ackedVersion, p.service, p.version], ['SYNCED', true, first.version, first.version, 'order-service', 'v1']);

    assert.equal((await applyYaml(cp.url, CANARY_YAML)).status, 200);
    clock.advance(DEBOUNCE);
    const second = await s.nextSnapshot();
    assert.notEqual(second.version, first.version);
    assert.ok(second.config.clusters.some((c) => c.name === 'outbound|8080|v2|order-service.default.svc.cluster.local'));
    p = await proxy(cp, 'orders-v1.default');
    assert.deepEqual([p.state, p.sentVersion, p.ackedVersion], ['STALE', second.version, first.version]);
    await call(cp.url, 'POST', '/v1/proxies/orders-v1.default/ack', { version: second.version });
    assert.equal((await proxy(cp, 'orders-v1.default')).state, 'SYNCED');
  });

  it('shows a NACK with its reason while the proxy keeps its last accepted version', async () => {
    const { cp, clock } = await setup();
    await register(cp, ['orders-v1', 'order-service']);
    const s = await connect(cp, 'orders-v1.default');
    const first = await s.nextSnapshot();
    await call(cp.url, 'POST', '/v1/proxies/orders-v1.default/ack', { version: first.version });
    await applyYaml(cp.url, CANARY_YAML);
    clock.advance(DEBOUNCE);
    const second = await s.nextSnapshot();
    const reason = 'cluster outbound|8080|v2|order-service.default.svc.cluster.local: no such thing';
    assert.equal((await call(cp.url, 'POST', '/v1/proxies/orders-v1.default/ack', { version: second.version, error: reason })).status, 204);
    const p = await proxy(cp, 'orders-v1.default');
    assert.deepEqual([p.state, p.nackReason, p.sentVersion, p.ackedVersion], ['NACKED', reason, second.version, first.version]);
  });

  it('sends nothing when a change leaves the config as it was', async () => {
    const { cp, clock } = await setup();
    const w = registration('orders-v1', { service: 'order-service' });
    await call(cp.url, 'POST', '/v1/workloads', w);
    const s = await connect(cp, 'orders-v1.default');
    const first = await s.nextSnapshot();
    // Registering the same workload again is a registry change, but not a config change.
    await call(cp.url, 'POST', '/v1/workloads', w);
    clock.advance(DEBOUNCE);
    await applyYaml(cp.url, CANARY_YAML);
    clock.advance(DEBOUNCE);
    const next = await s.nextSnapshot();
    assert.notEqual(next.version, first.version, 'the first message after the no-op is the real change, not a repeat');
    assert.equal(s.buffered, 0);
  });

  it('drops an endpoint whose lease lapsed from the next snapshot of another proxy, keeping the service', async () => {
    const { cp, clock } = await setup(1_000);
    await register(cp, ['orders-v1', 'order-service'], ['users-v1', 'user-service'], ['users-v2', 'user-service']);
    const s = await connect(cp, 'orders-v1.default');
    assert.deepEqual(endpointsByCluster((await s.nextSnapshot()).config)[USER_CLUSTER], ['users-v1', 'users-v2']);
    clock.advance(600);
    for (const name of ['orders-v1', 'users-v1']) assert.equal((await call(cp.url, 'PUT', `/v1/workloads/default/${name}/lease`)).status, 200);
    clock.advance(400 + DEBOUNCE);
    const after = await s.nextSnapshot();
    assert.deepEqual(endpointsByCluster(after.config)[USER_CLUSTER], ['users-v1']);
    assert.deepEqual((await call(cp.url, 'GET', '/v1/workloads')).json.workloads.map((w: { name: string }) => w.name), ['orders-v1', 'users-v1']);
    assert.equal((await call(cp.url, 'PUT', '/v1/workloads/default/users-v2/lease')).status, 404, 'the lapsed workload must register again');

    clock.advance(1_000 + DEBOUNCE);
    const empty = await s.nextSnapshot();
    assert.deepEqual(endpointsByCluster(empty.config)[USER_CLUSTER], [], 'a service without workloads stays: callers get 503 UH, not 404');
  });

  it('drops a deregistered endpoint at once, without waiting for its lease', async () => {
    const { cp, clock } = await setup();
    await register(cp, ['orders-v1', 'order-service'], ['users-v1', 'user-service'], ['users-v2', 'user-service']);
    const s = await connect(cp, 'orders-v1.default');
    await s.nextSnapshot();
    assert.equal((await call(cp.url, 'DELETE', '/v1/workloads/default/users-v2')).status, 204);
    clock.advance(DEBOUNCE);
    assert.deepEqual(endpointsByCluster((await s.nextSnapshot()).config)[USER_CLUSTER], ['users-v1']);
  });

  it('pings every 5 seconds', async () => {
    const { cp, clock } = await setup(60_000);
    await register(cp, ['orders-v1', 'order-service']);
    const s = await connect(cp, 'orders-v1.default');
    await s.nextSnapshot();
    clock.advance(4_999);
    clock.advance(1);
    assert.deepEqual(await s.next(), { type: 'ping' });
    clock.advance(5_000);
    assert.deepEqual(await s.next(), { type: 'ping' });
  });

  it('keeps the newest stream when a proxy reconnects, and shows DISCONNECTED once it is gone', async () => {
    const { cp } = await setup();
    await register(cp, ['orders-v1', 'order-service']);
    const old = await connect(cp, 'orders-v1.default');
    const first = await old.nextSnapshot();
    const fresh = await connect(cp, 'orders-v1.default');
    assert.equal((await fresh.nextSnapshot()).version, first.version);
    await old.waitEnd();
    assert.equal((await proxy(cp, 'orders-v1.default')).connected, true);
    fresh.close();
    let state = '';
    for (let i = 0; i < 50 && state !== 'DISCONNECTED'; i++) state = (await proxy(cp, 'orders-v1.default')).state;
    assert.equal(state, 'DISCONNECTED');
  });

  it('ends every stream on close', async () => {
    const { cp } = await setup();
    await register(cp, ['orders-v1', 'order-service']);
    const s = await connect(cp, 'orders-v1.default');
    await s.nextSnapshot();
    await cp.close();
    await s.waitEnd();
    assert.ok(s.ended);
  });
});
