// Local rate limiting over real loopback sockets, with the seed's bucket (100 tokens per 60 s):
// request 101 within the minute gets 429 RL with the configured headers, a config push does not
// refill the bucket, and the bucket is full again after the fill interval. Inbound
// (InboundConfig.rateLimit, before the app) and outbound (ProxyConfig.outboundRateLimit).
// The bucket reads a virtual clock injected into ConfigState, so the minute passes at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/lib/virtual-clock.ts';
import type { LocalRateLimit } from '../../src/model/proxy-config.ts';
import { inboundService } from '../../src/proxy/filters/inbound.ts';
import { singleEndpointCluster } from '../../src/proxy/upstream/cluster-manager.ts';
import { EndpointPool } from '../../src/proxy/upstream/pool.ts';
import { endpoint, get, serviceConfig, startBackend, startSidecar, tcpConnector, type Answer } from './harness.ts';

/** The seed's EnvoyFilter token bucket, with the response header Istio's rate-limit task adds. */
const SEED_LIMIT: LocalRateLimit = {
  maxTokens: 100,
  tokensPerFill: 100,
  fillIntervalMs: 60_000,
  enabledPercent: 100,
  enforcedPercent: 100,
  responseHeaders: [['x-local-rate-limit', 'true']],
};

async function burst(port: number, n: number): Promise<Answer[]> {
  const out: Answer[] = [];
  // Ten at a time: concurrency without opening a hundred sockets at once.
  for (let i = 0; i < n; i += 10) out.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => get(port)))));
  return out;
}

function assertRefused(a: Answer): void {
  assert.equal(a.status, 429);
  assert.equal(a.headers['x-local-rate-limit'], 'true');
  assert.equal(a.headers['x-weft-response-flags'], 'RL');
  assert.equal(a.headers['x-weft-proxy'], 'client.default');
  assert.equal(a.body, 'local_rate_limited\n');
}

test('outbound: request 101 within the minute gets 429 RL; a push keeps the bucket; a fresh bucket after 60 s', async () => {
  const clock = new VirtualClock(0);
  let served = 0;
  const backend = await startBackend((_req, res) => {
    served++;
    res.end('ok');
  });
  const sidecar = await startSidecar({ clock });
  const cfg = (v: string): ReturnType<typeof serviceConfig> => serviceConfig(v, [endpoint(backend.port)], {}, { outboundRateLimit: SEED_LIMIT });
  assert.equal(sidecar.state.apply('v1', cfg('v1')), null);
  try {
    const first = await burst(sidecar.port, 100);
    assert.deepEqual([...new Set(first.map((a) => a.status))], [200]);
    clock.advance(30_000);
    // A new config version with the same bucket must not refill it.
    assert.equal(sidecar.state.apply('v2', cfg('v2')), null);
    const over = await get(sidecar.port);
    assertRefused(over);
    assert.equal(served, 100, 'the refused request never reached the backend');
    assert.equal(sidecar.records.at(-1)!.info.responseFlags, 'RL');
    clock.advance(30_000);
    const fresh = await burst(sidecar.port, 101);
    assert.equal(fresh.filter((a) => a.status === 200).length, 100, 'a full bucket after the fill interval');
    assertRefused(fresh.find((a) => a.status !== 200)!);
    // Without a limit in the config there is no rate-limit stage at all.
    assert.equal(sidecar.state.apply('v3', serviceConfig('v3', [endpoint(backend.port)])), null);
    assert.deepEqual([...new Set((await burst(sidecar.port, 20)).map((a) => a.status))], [200]);
  } finally {
    await sidecar.close();
    await backend.close();
  }
});

test('inbound (SIDECAR_INBOUND): the limit applies before the request reaches the app', async () => {
  const clock = new VirtualClock(0);
  let served = 0;
  const app = await startBackend((_req, res) => {
    served++;
    res.end('app');
  });
  const appPool = new EndpointPool(`127.0.0.1:${app.port}`, tcpConnector(endpoint(app.port), 1_000), { idleTimeoutMs: 4_000 });
  const inbound = inboundService(singleEndpointCluster('inbound|8080||', appPool), () => 'spiffe://cluster.local/ns/default/sa/backend');
  const sidecar = await startSidecar({ clock, direction: 'inbound', inbound });
  const small: LocalRateLimit = { ...SEED_LIMIT, maxTokens: 4, tokensPerFill: 4 };
  assert.equal(sidecar.state.apply('v1', serviceConfig('v1', [], {}, { inbound: { ports: [8080], rateLimit: small } })), null);
  try {
    const answers = await burst(sidecar.port, 6);
    assert.equal(answers.filter((a) => a.status === 200 && a.body === 'app').length, 4);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(refused.length, 2);
    refused.forEach(assertRefused);
    assert.equal(served, 4);
    clock.advance(60_000);
    assert.equal((await get(sidecar.port)).status, 200);
  } finally {
    await sidecar.close();
    appPool.destroy();
    await app.close();
  }
});
