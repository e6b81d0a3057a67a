// Outlier detection with three replicas of a service (three `weft run` workloads), one always answering 503: it is ejected after the configured consecutive errors, traffic flows to the other two, it returns after baseEjectionTime and is ejected again for longer; maxEjectionPercent caps how many are out at once; the seed's DestinationRule (consecutiveErrors 5) ejects a replica after 5 errors in a row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { E2E_APPS, Mesh, NODE, sleep, type Workload } from './harness/mesh.ts';
import {
  IDLE_APP_ARGS, SEED_FIXTURES, VARIANT_FIXTURES, appSeen, applyFiles, assertEnforced, clustersOf, countBy, keepAliveAgent, send, sha256, summary, waitForConfig,
  type FlakySeen, type Reply,
} from './harness/traffic.ts';

/** Seed lines 233–250 ("Circuit Breaker"), byte for byte: its outlierDetection is consecutiveErrors 5, 30 s, 30 s, 50 %. */
const SEED_CIRCUIT_BREAKER = join(SEED_FIXTURES, 'circuit-breaker.yaml');
const SEED_CIRCUIT_BREAKER_SHA256 = 'd111a1f324196f10862b3f0f1cbcbe7ddf37658f215160bd119b973a3fdbc9b5';
/** consecutive5xxErrors 3, interval 1s, baseEjectionTime 2s, maxEjectionPercent 100 for `web`. */
const SHORT = join(VARIANT_FIXTURES, 'outlier-short.yaml');
const SHORT_ERRORS = 3;
const SHORT_INTERVAL_MS = 1_000;
const SHORT_BASE_EJECTION_MS = 2_000;
/** consecutive5xxErrors 3, baseEjectionTime 10s, maxEjectionPercent 34 for `api`. */
const MAX_EJECTION = join(VARIANT_FIXTURES, 'outlier-max-ejection.yaml');
/** Pause between the client's sequential requests: ~70 requests a second, a steady trickle. */
const PACE_MS = 10;
/** Slack on ejection times: the sidecar un-ejects on its interval tick, and the machine is shared. */
const SLACK_MS = 700;

let mesh: Mesh;
let client: Workload;
const replicas: Record<'web' | 'api' | 'user-service', Workload[]> = { web: [], api: [], 'user-service': [] };
const agent = keepAliveAgent(1);

/** Three replicas v1, v2, v3 of `service`; those in `failing` answer every request with 503. */
function threeReplicas(service: keyof typeof replicas, failing: readonly string[]): Promise<Workload>[] {
  return ['v1', 'v2', 'v3'].map((version) => mesh.run({
    service, version, command: [NODE, join(E2E_APPS, 'flaky-server.ts')],
    env: { VERSION: version, ...(failing.includes(version) ? { FAIL_STATUS: '503' } : {}) }, appReady: /flaky up on/,
  }));
}

interface Sent {
  /** Date.now() when sent: the apps stamp arrivals with the same clock. */
  readonly at: number;
  readonly reply: Reply;
}

/** Sequential GETs of http://<service>:8080/who/<n> through the client's sidecar, every PACE_MS, until `stop()` says so or `maxMs` passed. */
async function drive(service: string, stop: (sent: readonly Sent[]) => Promise<boolean>, maxMs: number): Promise<Sent[]> {
  const sent: Sent[] = [];
  const deadline = Date.now() + maxMs;
  let checkedAt = 0;
  while (Date.now() < deadline) {
    const at = Date.now();
    sent.push({ at, reply: await send(client.ports.outbound, `http://${service}:8080/who/${sent.length}`, { agent, timeoutMs: 5_000 }) });
    if (Date.now() - checkedAt >= 200) {
      checkedAt = Date.now();
      if (await stop(sent)) break;
    }
    await sleep(PACE_MS);
  }
  return sent;
}

/** Arrival times of the requests a replica's app served under /who/. */
async function arrivals(w: Workload): Promise<number[]> {
  return (await appSeen<FlakySeen>(w)).served.filter((s) => s.path.startsWith('/who/')).map((s) => s.t);
}

/** Splits arrival times into bursts separated by more than `gapMs` without an arrival. */
function bursts(times: readonly number[], gapMs: number): number[][] {
  const out: number[][] = [];
  for (const t of times) {
    const last = out.at(-1);
    if (last !== undefined && t - last.at(-1)! <= gapMs) last.push(t);
    else out.push([t]);
  }
  return out;
}

/** Which replica answered, by version ("200 v1"), or the failure. */
const who = (s: Sent): string => summary(s.reply);

before(async () => {
  mesh = await Mesh.start();
  const started = await Promise.all([
    mesh.run({ service: 'client', command: [NODE, ...IDLE_APP_ARGS] }),
    ...threeReplicas('web', ['v3']),
    ...threeReplicas('api', ['v2', 'v3']),
    ...threeReplicas('user-service', ['v3']),
  ]);
  client = started[0]!;
  replicas.web = started.slice(1, 4);
  replicas.api = started.slice(4, 7);
  replicas['user-service'] = started.slice(7, 10);
  await client.waitForEndpoints({ '||web.': 3, '||api.': 3, '||user-service.': 3 });
});

after(async () => {
  agent.destroy();
  await mesh?.close();
});

test('one replica of three always 503: ejected after 3 errors, the others take the traffic, back after baseEjectionTime, ejected again for twice as long', { timeout: 40_000 }, async (t) => {
  const [v1, v2, v3] = replicas.web as [Workload, Workload, Workload];
  const applied = await applyFiles(mesh, SHORT);
  assertEnforced(applied, SHORT);
  await waitForConfig(client, 'outlier detection on the web cluster', (c) => clustersOf(c, 'web').some((cl) => cl.outlierDetection?.consecutive5xxErrors === SHORT_ERRORS));
  assert.deepEqual(await arrivals(v3), [], 'the failing replica has served nothing yet');

  // Until the failing replica is back a third time, or has stayed out longer than its second
  // ejection (2 × baseEjectionTime) can last.
  const secondEjectionLatest = 2 * SHORT_BASE_EJECTION_MS + SHORT_INTERVAL_MS + SLACK_MS;
  const sent = await drive('web', async () => {
    const a = await arrivals(v3);
    return a.length > 2 * SHORT_ERRORS || (a.length === 2 * SHORT_ERRORS && Date.now() - a.at(-1)! >= secondEjectionLatest + 300);
  }, 20_000);
  const times = await arrivals(v3);
  const groups = bursts(times, 1_000);
  t.diagnostic(`${sent.length} requests over ${Math.round((sent.at(-1)!.at - sent[0]!.at) / 1000)} s; the client saw ${JSON.stringify(countBy(sent, who))}; the failing replica served bursts of ${groups.map((g) => g.length).join(', ')} with gaps of ${groups.slice(1).map((g, i) => `${g[0]! - groups[i]!.at(-1)!} ms`).join(', ')}`);

  assert.ok(groups.length >= 2, `the failing replica came back after its first ejection: arrivals ${JSON.stringify(times.map((x) => x - times[0]!))}`);
  const [first, second] = groups as [number[], number[]];
  assert.equal(first.length, SHORT_ERRORS, `it served ${first.length} requests (all 503) before its first ejection, expected ${SHORT_ERRORS}`);
  const out1 = second[0]! - first.at(-1)!;
  assert.ok(out1 >= SHORT_BASE_EJECTION_MS - 100 && out1 <= SHORT_BASE_EJECTION_MS + SHORT_INTERVAL_MS + SLACK_MS,
    `first ejection lasted ${out1} ms, expected baseEjectionTime ${SHORT_BASE_EJECTION_MS} ms up to one interval (${SHORT_INTERVAL_MS} ms) more`);
  assert.equal(second.length, SHORT_ERRORS, `back in, it served ${second.length} requests before it was ejected again, expected ${SHORT_ERRORS}`);
  assert.ok(groups.length >= 3, `it came back after its second ejection (2 × baseEjectionTime = ${2 * SHORT_BASE_EJECTION_MS} ms): not within ${secondEjectionLatest + 300} ms`);
  const out2 = groups[2]![0]! - second.at(-1)!;
  assert.ok(out2 >= 2 * SHORT_BASE_EJECTION_MS - 100 && out2 <= secondEjectionLatest,
    `second ejection lasted ${out2} ms, expected 2 × baseEjectionTime (${2 * SHORT_BASE_EJECTION_MS} ms) up to one interval more: ejections grow`);

  // While it was out, the traffic flowed to the other two, all of it answered.
  const during = sent.filter((s) => s.at > first.at(-1)! + 50 && s.at < second[0]! - 50);
  assert.ok(during.length >= 20, `traffic kept flowing while it was ejected: ${during.length} requests`);
  assert.deepEqual(Object.keys(countBy(during, who)).sort(), ['200 v1', '200 v2'], `during the ejection every request was answered by v1 or v2: ${JSON.stringify(countBy(during, who))}`);
  const others = (await arrivals(v1)).length + (await arrivals(v2)).length;
  assert.ok(others >= sent.length - times.length, `v1 and v2 served every request the failing replica did not: ${others} of ${sent.length}`);
});

test('maxEjectionPercent 34 with two of three replicas failing: only one is ejected at a time, the other keeps getting traffic', { timeout: 40_000 }, async (t) => {
  const [v1, v2, v3] = replicas.api as [Workload, Workload, Workload];
  const applied = await applyFiles(mesh, MAX_EJECTION);
  assertEnforced(applied, MAX_EJECTION);
  await waitForConfig(client, 'outlier detection with maxEjectionPercent 34 on the api cluster', (c) => clustersOf(c, 'api').some((cl) => cl.outlierDetection?.maxEjectionPercent === 34));

  const sent = await drive('api', async (s) => s.length >= 150, 10_000);
  const end = Date.now();
  const [a1, a2, a3] = [await arrivals(v1), await arrivals(v2), await arrivals(v3)];
  t.diagnostic(`${sent.length} requests; served v1 ${a1.length}, v2 ${a2.length} (failing), v3 ${a3.length} (failing); the client saw ${JSON.stringify(countBy(sent, who))}`);
  const [ejected, kept] = a2.length <= a3.length ? [a2, a3] : [a3, a2];
  assert.equal(ejected.length, SHORT_ERRORS, `one failing replica is ejected after ${SHORT_ERRORS} errors (served ${ejected.length})`);
  assert.ok(kept.length >= 30, `the other failing replica is not ejected too (two of three would be 67 % > 34 %): it served ${kept.length} of ${sent.length}`);
  assert.ok(end - kept.at(-1)! < 500, `it still got traffic at the end: last request ${end - kept.at(-1)!} ms before the end`);
  assert.ok(a1.length > 0);
});

test('the seed\'s DestinationRule verbatim (consecutiveErrors 5, baseEjectionTime 30s, maxEjectionPercent 50): a replica returning 503 five times in a row is ejected', { timeout: 40_000 }, async (t) => {
  const [v1, v2, v3] = replicas['user-service'] as [Workload, Workload, Workload];
  assert.equal(await sha256(SEED_CIRCUIT_BREAKER), SEED_CIRCUIT_BREAKER_SHA256, `${SEED_CIRCUIT_BREAKER} is no longer the seed's YAML byte for byte`);
  const applied = await applyFiles(mesh, SEED_CIRCUIT_BREAKER);
  assert.match(applied.stdout, /^destinationrule\.networking\.istio\.io\/user-service created$/m);
  assertEnforced(applied, 'the seed\'s DestinationRule');
  const config = await waitForConfig(client, 'the seed\'s outlier detection on the user-service cluster', (c) => clustersOf(c, 'user-service').some((cl) => cl.outlierDetection !== undefined));
  const od = clustersOf(config, 'user-service')[0]?.outlierDetection;
  // Current Istio no longer reads the deprecated consecutiveErrors, so Envoy's default of 5
  // consecutive 5xx applies; Weft takes the field as consecutive5xxErrors, the same for the seed's 5.
  assert.deepEqual(
    { fivexx: od?.consecutive5xxErrors, gateway: od?.consecutiveGatewayErrors, interval: od?.intervalMs, base: od?.baseEjectionTimeMs, max: od?.maxEjectionPercent },
    { fivexx: 5, gateway: 0, interval: 30_000, base: 30_000, max: 50 },
    `compiled outlier policy: ${JSON.stringify(od)}`,
  );

  // 60 requests take about a second: far less than the 30 s ejection, which the test does not wait out.
  const sent = await drive('user-service', async (s) => s.length >= 60, 10_000);
  const [a1, a2, a3] = [await arrivals(v1), await arrivals(v2), await arrivals(v3)];
  t.diagnostic(`served v1 ${a1.length}, v2 ${a2.length}, v3 ${a3.length} (failing); the client saw ${JSON.stringify(countBy(sent, who))}`);
  assert.equal(a3.length, 5, `the failing replica served ${a3.length} requests: it is ejected after exactly 5 errors in a row`);
  const after5 = sent.filter((s) => s.at > a3[4]! + 50);
  assert.ok(after5.length >= 20, `${after5.length} requests after the ejection`);
  assert.deepEqual(Object.keys(countBy(after5, who)).sort(), ['200 v1', '200 v2'], `after the ejection only v1 and v2 answer: ${JSON.stringify(countBy(after5, who))}`);
});
