// ServiceRegistry on virtual time: registration, replacement, leases, deregistration, services that outlive workloads, restart grace.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkloadRegistration } from '../../model/control-protocol.ts';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { REGISTRY_FILE, ServiceRegistry, type RegistryEvent } from './registry.ts';

function workload(name: string, over: Partial<WorkloadRegistration> = {}): WorkloadRegistration {
  return {
    name,
    namespace: 'default',
    service: 'user-service',
    labels: { app: 'user-service', version: 'v1' },
    serviceAccount: 'user-service',
    address: '127.0.0.1',
    ports: [{ port: 8080, targetPort: 15006, protocol: 'http' }],
    ...over,
  };
}

describe('ServiceRegistry', () => {
  let clock: VirtualClock;
  let registry: ServiceRegistry;
  let events: string[];
  beforeEach(() => {
    clock = new VirtualClock();
    registry = new ServiceRegistry({ clock, leaseTtlMs: 10_000 });
    events = [];
    registry.watch((e: RegistryEvent) => events.push(`${e.type}:${e.workload.name}${e.type === 'registered' && e.replaced ? ':replaced' : ''}`));
  });
  afterEach(async () => {
    await registry.close();
  });

  it('creates the service with the first workload and lists both', async () => {
    await registry.register(workload('u1'));
    const snap = registry.snapshot();
    assert.deepEqual(snap.services, [{ name: 'user-service', namespace: 'default', ports: [8080] }]);
    assert.deepEqual(snap.workloads.map((w) => w.name), ['u1']);
    assert.deepEqual(events, ['registered:u1']);
  });

  it('replaces a workload registered again under the same namespace and name', async () => {
    await registry.register(workload('u1'));
    await registry.register(workload('u1', { labels: { app: 'user-service', version: 'v2' } }));
    const snap = registry.snapshot();
    assert.equal(snap.workloads.length, 1);
    assert.equal(snap.workloads[0]?.labels.version, 'v2');
    assert.deepEqual(events, ['registered:u1', 'registered:u1:replaced']);
  });

  it('keeps a renewed workload and drops one whose lease lapsed, keeping its service', async () => {
    await registry.register(workload('kept'));
    await registry.register(workload('dies'));
    for (let i = 0; i < 4; i++) {
      clock.advance(3000);
      assert.ok(registry.renew('default', 'kept'));
    }
    assert.deepEqual(registry.snapshot().workloads.map((w) => w.name), ['kept']);
    assert.deepEqual(events.slice(2), ['expired:dies']);
    assert.equal(registry.renew('default', 'dies'), false, 'a lapsed workload must register again');
    assert.equal(registry.snapshot().services.length, 1);
  });

  it('lapses a lease exactly at the TTL', async () => {
    await registry.register(workload('u1'));
    clock.advance(9_999);
    assert.equal(registry.snapshot().workloads.length, 1);
    clock.advance(1);
    assert.equal(registry.snapshot().workloads.length, 0);
  });

  it('removes a deregistered workload at once and keeps its service', async () => {
    await registry.register(workload('u1'));
    assert.equal(await registry.deregister('default', 'u1'), true);
    assert.equal(await registry.deregister('default', 'u1'), false);
    assert.deepEqual(registry.snapshot().workloads, []);
    assert.deepEqual(registry.snapshot().services.map((s) => s.name), ['user-service']);
    assert.deepEqual(events, ['registered:u1', 'deregistered:u1']);
    assert.equal(registry.renew('default', 'u1'), false);
  });

  it('gives a service every port its workloads offered, sorted', async () => {
    await registry.register(workload('a', { ports: [{ port: 9090, targetPort: 1, protocol: 'http' }] }));
    await registry.register(workload('b', { ports: [{ port: 8080, targetPort: 2, protocol: 'http' }, { port: 9090, targetPort: 2, protocol: 'http' }] }));
    await registry.register(workload('p', { service: 'payment-service', namespace: 'shop' }));
    assert.deepEqual(registry.snapshot().services, [
      { name: 'user-service', namespace: 'default', ports: [8080, 9090] },
      { name: 'payment-service', namespace: 'shop', ports: [8080] },
    ]);
  });

  it('reports when each lease lapses, in wall-clock time', async () => {
    await registry.register(workload('u1'));
    clock.advance(2500);
    assert.deepEqual(registry.leases().map((l) => l.leaseExpiresAt), [clock.now() + 7500]);
  });

  it('keeps its copy of a registration apart from the caller', async () => {
    const w = workload('u1');
    await registry.register(w);
    (w.labels as Record<string, string>).version = 'evil';
    assert.equal(registry.get('default', 'u1')?.labels.version, 'v1');
  });

  it('leaves no timer after close', async () => {
    await registry.register(workload('u1'));
    await registry.close();
    assert.equal(clock.pendingCount, 0);
  });
});

describe('ServiceRegistry persistence', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-registry-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('restores services and live workloads after a restart, each with a fresh lease', async () => {
    const clock1 = new VirtualClock();
    const first = await ServiceRegistry.open(dir, { clock: clock1, leaseTtlMs: 10_000 });
    await first.register(workload('u1'));
    await first.register(workload('u2'));
    await first.register(workload('gone', { service: 'old-service' }));
    await first.deregister('default', 'gone');
    await first.close();
    assert.deepEqual(await readdir(dir), [REGISTRY_FILE]);

    const clock2 = new VirtualClock();
    const second = await ServiceRegistry.open(dir, { clock: clock2, leaseTtlMs: 10_000 });
    const snap = second.snapshot();
    assert.deepEqual(snap.workloads.map((w) => w.name), ['u1', 'u2']);
    assert.deepEqual(snap.services.map((s) => s.name), ['old-service', 'user-service']);
    clock2.advance(9_000);
    assert.ok(second.renew('default', 'u1'), 'a restored workload keeps its lease by renewing');
    clock2.advance(1_000);
    assert.deepEqual(second.snapshot().workloads.map((w) => w.name), ['u1'], 'a restored workload that never renews lapses after one TTL');
    await second.close();

    const third = await ServiceRegistry.open(dir, { clock: new VirtualClock(), leaseTtlMs: 10_000 });
    assert.deepEqual(third.snapshot().workloads.map((w) => w.name), ['u1'], 'an expiry is saved too');
    await third.close();
  });

  it('starts empty (and says so in the log) when the file is unreadable', async () => {
    await writeFile(join(dir, REGISTRY_FILE), '{"format": "weft.registry/v1", "servi');
    const r = await ServiceRegistry.open(dir, { clock: new VirtualClock() });
    assert.deepEqual(r.snapshot(), { services: [], workloads: [] });
    await r.register(workload('u1'));
    await r.close();
    const again = await ServiceRegistry.open(dir, { clock: new VirtualClock() });
    assert.equal(again.snapshot().workloads.length, 1);
    await again.close();
  });
});
