// Circuit breaking over real loopback sockets: Istio's circuit-breaking task (maxConnections 1,
// http1MaxPendingRequests 1, several concurrent clients) gives a mix of 200s and immediate
// 503 UO with x-envoy-overloaded; the seed's DestinationRule limits hold under load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { ConnectionPoolPolicy } from '../../src/model/proxy-config.ts';
import { CLUSTER_NAME, endpoint, get, serviceConfig, startBackend, startSidecar, type Answer } from './harness.ts';

const UNLIMITED = 2 ** 32 - 1;
const BACKEND_DELAY_MS = 100;

/** A backend that answers after BACKEND_DELAY_MS and records concurrency and requests per connection. */
async function slowBackend(): Promise<{ port: number; maxInFlight: () => number; perConnection: () => number[]; close: () => Promise<void> }> {
  let inFlight = 0;
  let maxInFlight = 0;
  const perSocket = new Map<Socket, number>();
  const b = await startBackend((req, res) => {
    perSocket.set(req.socket, (perSocket.get(req.socket) ?? 0) + 1);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('ok');
    }, BACKEND_DELAY_MS);
  });
  return { port: b.port, maxInFlight: () => maxInFlight, perConnection: () => [...perSocket.values()], close: () => b.close() };
}

/** `clients` concurrent loops of `each` sequential requests (fortio -c clients -n clients×each). */
async function load(port: number, clients: number, each: number): Promise<Answer[]> {
  const out: Answer[] = [];
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = 0; i < each; i++) out.push(await get(port));
  }));
  return out;
}

test("Istio's circuit-breaking task: maxConnections 1, http1MaxPendingRequests 1 → a mix of 200 and immediate 503 UO", async () => {
  const backend = await slowBackend();
  const sidecar = await startSidecar();
  const pool: ConnectionPoolPolicy = {
    maxConnections: 1,
    connectTimeoutMs: 10_000,
    maxPendingRequests: 1,
    maxRequests: UNLIMITED,
    maxRequestsPerConnection: 1,
    maxRetries: UNLIMITED,
    idleTimeoutMs: 3_600_000,
  };
  assert.equal(sidecar.state.apply('v1', serviceConfig('v1', [endpoint(backend.port)], { connectionPool: pool })), null);
  try {
    const answers = await load(sidecar.port, 3, 6);
    const ok = answers.filter((a) => a.status === 200);
    const overflow = answers.filter((a) => a.status === 503);
    assert.equal(ok.length + overflow.length, answers.length, `only 200 and 503: ${answers.map((a) => a.status).join(',')}`);
    assert.ok(ok.length >= 2, `some requests pass (${ok.length} of ${answers.length})`);
    assert.ok(overflow.length >= 2, `some overflow (${overflow.length} of ${answers.length})`);
    for (const a of overflow) {
      assert.equal(a.headers['x-envoy-overloaded'], 'true');
      assert.equal(a.headers['x-weft-response-flags'], 'UO');
      assert.equal(a.headers['x-weft-proxy'], 'client.default');
      assert.match(a.body, /upstream overflow: max_pending_requests of cluster outbound\|8080\|\|backend/);
    }
    // Immediate, not queued behind the backend (a queued request waits 100–200 ms), measured
    // inside the sidecar; the median, not each one: client, sidecar and backend share this
    // process, and a busy machine can stall its event loop.
    const uoMs = sidecar.durations.filter((_, i) => sidecar.records[i]!.info.responseFlags === 'UO').sort((x, y) => x - y);
    const okMs = sidecar.durations.filter((_, i) => sidecar.records[i]!.info.responseCode === 200).sort((x, y) => x - y);
    assert.ok(uoMs[Math.floor(uoMs.length / 2)]! < BACKEND_DELAY_MS, `503 UO answered at once: ${uoMs.map((m) => m.toFixed(1)).join(', ')} ms`);
    assert.ok(okMs.every((m) => m >= BACKEND_DELAY_MS - 5), 'every 200 waited for the backend');
    assert.equal(backend.maxInFlight(), 1, 'the backend never saw two requests at once');
    assert.ok(backend.perConnection().every((n) => n === 1), 'maxRequestsPerConnection 1: one request per upstream connection');
    const flags = sidecar.records.map((r) => r.info.responseFlags);
    assert.equal(flags.filter((f) => f === 'UO').length, overflow.length, 'the access log carries UO for each');
    const limits = sidecar.clusters.get(CLUSTER_NAME)!.limits;
    assert.deepEqual([limits.pending, limits.requests], [0, 0], 'nothing left queued or in flight');
  } finally {
    await sidecar.close();
    await backend.close();
  }
});

test("the seed's DestinationRule limits (100 connections, 50 pending, 2 requests per connection) pass a burst of 30", async () => {
  const backend = await slowBackend();
  const sidecar = await startSidecar();
  const pool: ConnectionPoolPolicy = {
    maxConnections: 100,
    connectTimeoutMs: 10_000,
    maxPendingRequests: 50,
    maxRequests: UNLIMITED,
    maxRequestsPerConnection: 2,
    maxRetries: UNLIMITED,
    idleTimeoutMs: 3_600_000,
  };
  assert.equal(sidecar.state.apply('v1', serviceConfig('v1', [endpoint(backend.port)], { connectionPool: pool })), null);
  try {
    const first = await Promise.all(Array.from({ length: 30 }, () => get(sidecar.port)));
    assert.deepEqual([...new Set(first.map((a) => a.status))], [200]);
    const second = await Promise.all(Array.from({ length: 30 }, () => get(sidecar.port)));
    assert.deepEqual([...new Set(second.map((a) => a.status))], [200]);
    const per = backend.perConnection();
    assert.ok(per.every((n) => n <= 2), `no upstream connection carried more than 2 requests: ${per.join(',')}`);
    assert.ok(per.some((n) => n === 2), 'connections were reused up to the limit');
  } finally {
    await sidecar.close();
    await backend.close();
  }
});

test('maxRequests (http2MaxRequests) bounds requests in flight to the cluster across connections', async () => {
  const backend = await slowBackend();
  const sidecar = await startSidecar();
  const pool: ConnectionPoolPolicy = {
    maxConnections: UNLIMITED,
    connectTimeoutMs: 10_000,
    maxPendingRequests: UNLIMITED,
    maxRequests: 2,
    maxRequestsPerConnection: 0,
    maxRetries: UNLIMITED,
    idleTimeoutMs: 3_600_000,
  };
  assert.equal(sidecar.state.apply('v1', serviceConfig('v1', [endpoint(backend.port)], { connectionPool: pool })), null);
  try {
    const answers = await Promise.all(Array.from({ length: 6 }, () => get(sidecar.port)));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 200, 503, 503, 503, 503]);
    assert.ok(answers.filter((a) => a.status === 503).every((a) => /max_requests/.test(a.body) && a.headers['x-envoy-overloaded'] === 'true'));
    assert.equal(backend.maxInFlight(), 2);
  } finally {
    await sidecar.close();
    await backend.close();
  }
});
