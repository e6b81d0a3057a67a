// Outlier detection over real loopback sockets, three replicas, one (or two) failing: the
// failing one is ejected after the configured consecutive errors, traffic flows to the others,
// it returns after baseEjectionTime (longer after a second ejection), and maxEjectionPercent
// caps the ejections. The detector runs on a virtual clock injected into the ClusterManager, so
// ejection times are exact and the test does not wait for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/lib/virtual-clock.ts';
import type { OutlierPolicy } from '../../src/model/proxy-config.ts';
import { CLUSTER_NAME, endpoint, get, serviceConfig, startBackend, startSidecar, type Backend } from './harness.ts';

/** The seed's outlierDetection (consecutiveErrors 5, interval 30 s, baseEjectionTime 30 s, maxEjectionPercent 50). */
const SEED_POLICY: OutlierPolicy = {
  consecutive5xxErrors: 5,
  consecutiveGatewayErrors: 0,
  intervalMs: 30_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 50,
  minHealthPercent: 0,
};

async function replicas(failing: ReadonlySet<string>): Promise<Backend[]> {
  return Promise.all(['pod-1', 'pod-2', 'pod-3'].map((name) => startBackend((_req, res) => {
    res.statusCode = failing.has(name) ? 503 : 200;
    res.end(name);
  })));
}

/** `n` sequential requests; returns the pod that answered each and its status. */
async function send(port: number, n: number): Promise<{ pod: string; status: number }[]> {
  const out: { pod: string; status: number }[] = [];
  for (let i = 0; i < n; i++) {
    const a = await get(port);
    out.push({ pod: a.body, status: a.status });
  }
  return out;
}

const count = (xs: { pod: string }[], pod: string): number => xs.filter((x) => x.pod === pod).length;

test('one failing replica of three is ejected after 5 errors, gets no traffic, and returns after baseEjectionTime', async () => {
  const clock = new VirtualClock(0);
  const backends = await replicas(new Set(['pod-1']));
  const sidecar = await startSidecar({ clock });
  const eps = backends.map((b, i) => endpoint(b.port, `pod-${i + 1}`));
  assert.equal(sidecar.state.apply('v1', serviceConfig('v1', eps, { outlierDetection: SEED_POLICY })), null);
  const od = sidecar.clusters.get(CLUSTER_NAME)!.outlier!;
  try {
    // Round robin: pod-1 gets every third request; its 5th consecutive 503 ejects it.
    const before = await send(sidecar.port, 15);
    assert.equal(count(before, 'pod-1'), 5, 'pod-1 took its share until its fifth error');
    assert.ok(before.filter((x) => x.pod === 'pod-1').every((x) => x.status === 503));
    assert.equal(od.ejectedCount, 1);
    const during = await send(sidecar.port, 30);
    assert.equal(count(during, 'pod-1'), 0, 'no traffic to the ejected replica');
    assert.equal(count(during, 'pod-2'), 15);
    assert.equal(count(during, 'pod-3'), 15);
    assert.ok(during.every((x) => x.status === 200));
    // 29.9 s later it is still out; at 30 s it is back.
    clock.advance(29_900);
    assert.equal(count(await send(sidecar.port, 6), 'pod-1'), 0);
    clock.advance(100);
    const back = await send(sidecar.port, 15);
    assert.equal(count(back, 'pod-1'), 5, 'back in rotation after baseEjectionTime, and ejected again after 5 more errors');
    assert.equal(od.ejectedCount, 1);
    // The second ejection in a row lasts 2 × baseEjectionTime.
    clock.advance(30_000);
    assert.equal(count(await send(sidecar.port, 9), 'pod-1'), 0, 'still out after 30 s the second time');
    clock.advance(30_000);
    assert.ok(count(await send(sidecar.port, 9), 'pod-1') > 0, 'back after 60 s');
  } finally {
    await sidecar.close();
    await Promise.all(backends.map((b) => b.close()));
  }
});

test('maxEjectionPercent 50 with two failing replicas of three: only one is ejected', async () => {
  const clock = new VirtualClock(0);
  const backends = await replicas(new Set(['pod-1', 'pod-2']));
  const sidecar = await startSidecar({ clock });
  const eps = backends.map((b, i) => endpoint(b.port, `pod-${i + 1}`));
  assert.equal(sidecar.state.apply('v1', serviceConfig('v1', eps, { outlierDetection: SEED_POLICY })), null);
  const od = sidecar.clusters.get(CLUSTER_NAME)!.outlier!;
  try {
    await send(sidecar.port, 30);
    assert.equal(od.ejectedCount, 1, '2 of 3 would be 67 % > 50 %');
    const after = await send(sidecar.port, 20);
    const failingServed = ['pod-1', 'pod-2'].filter((p) => count(after, p) > 0);
    assert.equal(failingServed.length, 1, 'the failing replica that was not ejected still gets traffic');
    assert.equal(count(after, 'pod-3'), 10);
  } finally {
    await sidecar.close();
    await Promise.all(backends.map((b) => b.close()));
  }
});

test('a refused connection counts as an error: a dead replica is ejected too', async () => {
  const clock = new VirtualClock(0);
  const backends = await replicas(new Set());
  const dead = backends[0]!;
  const deadPort = dead.port;
  await dead.close();
  const sidecar = await startSidecar({ clock });
  const eps = [endpoint(deadPort, 'pod-1'), endpoint(backends[1]!.port, 'pod-2'), endpoint(backends[2]!.port, 'pod-3')];
  assert.equal(sidecar.state.apply('v1', serviceConfig('v1', eps, { outlierDetection: { ...SEED_POLICY, consecutive5xxErrors: 3 } })), null);
  try {
    const first = await send(sidecar.port, 9);
    assert.equal(first.filter((x) => x.status === 503).length, 3, 'three connect failures (503 UF)');
    const after = await send(sidecar.port, 10);
    assert.ok(after.every((x) => x.status === 200), 'the dead replica is out of rotation');
    assert.equal(sidecar.clusters.get(CLUSTER_NAME)!.outlier!.ejectedCount, 1);
  } finally {
    await sidecar.close();
    await Promise.all(backends.slice(1).map((b) => b.close()));
  }
});
