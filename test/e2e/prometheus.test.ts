// Metrics with a real Prometheus: it discovers every sidecar through the control plane (`weft prometheus-config`, http_sd) and scrapes them; under known traffic (one request every 100 ms, every fifth answered 500, each after 600 ms) the seed's three PromQL queries — request rate, p95 latency, error rate — answer what was sent; a request from order-service v1 to user-service v2 over mTLS carries Istio's labels from both reporters, and the exchange header reaches neither app.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ISTIO_BUCKETS, parseSamples, type Sample } from '../../src/lib/prometheus-text.ts';
import { E2E_APPS, Mesh, NODE, waitUntil, type Workload } from './harness/mesh.ts';
import { Prometheus } from './harness/prometheus.ts';
import { IDLE_APP_ARGS, send, summary, type Reply } from './harness/traffic.ts';

/** Long next to the mesh's own overhead on a loaded machine, so its bucket is certain: Istio's (500, 1000]. */
const DELAY_MS = 600;
const FAIL_EVERY = 5;
/** Requests api-gateway sends to order-service, one started every PACE_MS whatever the ones before (open loop: the rate does not depend on latency). */
const REQUESTS = 150;
const PACE_MS = 100;
const ORDER_FQDN = 'order-service.default.svc.cluster.local';
/** The seed's three queries. Its `destination_service="order-service"` is written with the FQDN, the value Istio (and Weft) give that label. */
const SEED_RATE = `rate(istio_requests_total{destination_service="${ORDER_FQDN}"}[5m])`;
const SEED_P95 = 'histogram_quantile(0.95,\n  rate(istio_request_duration_milliseconds_bucket[5m])\n)';
const SEED_ERROR_RATE = 'sum(rate(istio_requests_total{response_code=~"5.*"}[5m]))\n/\nsum(rate(istio_requests_total[5m]))';
/** rate() divides by the whole range: traffic shorter than 5 minutes reads as its count / 300 s. */
const RANGE_S = 300;

let mesh: Mesh;
let gateway: Workload;
let order: Workload;
let user: Workload;
let prom: Prometheus;

const app = (service: string, version: string, env: Record<string, string> = {}): Promise<Workload> => mesh.run({
  service, version, command: [NODE, join(E2E_APPS, 'metrics-app.ts')], env: { VERSION: version, ...env }, appReady: /metrics app up on/,
});

async function scrape(w: Workload): Promise<Sample[]> {
  const r = await fetch(`http://127.0.0.1:${w.ports.admin}/stats/prometheus`, { signal: AbortSignal.timeout(5_000), headers: { connection: 'close' } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseSamples(await r.text());
}

before(async () => {
  mesh = await Mesh.start();
  [gateway, order, user] = await Promise.all([
    mesh.run({ service: 'api-gateway', version: 'v1', command: [NODE, ...IDLE_APP_ARGS] }),
    app('order-service', 'v1', { DELAY_MS: String(DELAY_MS), FAIL_EVERY: String(FAIL_EVERY) }),
    app('user-service', 'v2'),
  ]);
  await gateway.waitForEndpoints({ '|order-service.': 1 });
  await order.waitForEndpoints({ '|user-service.': 1 });
  const cfg = await mesh.weft(['--state-dir', mesh.stateDir, 'prometheus-config', '--scrape-interval', '1s']);
  assert.equal(cfg.code, 0, cfg.stderr);
  prom = await Prometheus.start(cfg.stdout);
}, { timeout: 180_000 });

after(async () => {
  await prom?.close();
  await mesh?.close();
}, { timeout: 60_000 });

test('Prometheus finds every sidecar and the control plane through `weft prometheus-config`, and scrapes them', async () => {
  const targets = await waitUntil('prometheus never had the three sidecars and the control plane up', async () => {
    const t = await prom.activeTargets();
    const up = t.filter((x) => x.health === 'up');
    return up.length >= 4 ? { done: true, value: t } : { done: false, last: JSON.stringify(t.map((x) => [x.scrapePool, x.scrapeUrl, x.health, x.lastError])) };
  }, 60_000, 500);
  const sidecars = targets.filter((t) => t.scrapePool === 'weft-sidecars');
  assert.deepEqual(sidecars.map((t) => t.labels.app).sort(), ['api-gateway', 'order-service', 'user-service']);
  for (const t of sidecars) {
    assert.match(t.scrapeUrl, /^http:\/\/127\.0\.0\.1:\d+\/stats\/prometheus$/);
    assert.equal(t.labels.namespace, 'default');
    assert.match(t.labels.workload ?? '', new RegExp(`^${t.labels.app}-${t.labels.version}-`));
  }
  const cp = targets.find((t) => t.scrapePool === 'weft-control-plane');
  assert.equal(cp?.health, 'up', JSON.stringify(cp));
  const proxies = await prom.query('weft_connected_proxies');
  assert.equal(proxies[0]?.value, 3);
});

test("the seed's three queries answer the traffic sent: rate, p95 and error rate", { timeout: 180_000 }, async () => {
  const start = performance.now();
  const pending: Promise<Reply>[] = [];
  for (let i = 1; i <= REQUESTS; i++) {
    pending.push(send(gateway.ports.outbound, `http://order-service:8080/work/${i}`, { timeoutMs: 10_000 }));
    const wait = start + i * PACE_MS - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const replies = await Promise.all(pending);
  for (const r of replies) assert.ok(r.status === 200 || r.status === 500, summary(r));
  const errors = replies.filter((r) => r.status === 500).length;
  const ms = replies.map((r) => r.ms).sort((x, y) => x - y);
  const clientSaw = `client-side latency p50 ${ms[Math.floor(ms.length * 0.5)]!.toFixed(0)} ms, p95 ${ms[Math.floor(ms.length * 0.95)]!.toFixed(0)} ms, max ${ms.at(-1)!.toFixed(0)} ms`;
  assert.equal(errors, REQUESTS / FAIL_EVERY);
  // Every request reaches Prometheus from both reporters before the queries run.
  await waitUntil('prometheus never saw every request', async () => {
    const r = await prom.query(`sum by (reporter) (istio_requests_total{destination_service="${ORDER_FQDN}"})`);
    const seen = Object.fromEntries(r.map((s) => [s.metric.reporter, s.value]));
    return seen.source === REQUESTS && seen.destination === REQUESTS ? { done: true, value: undefined } : { done: false, last: JSON.stringify(seen) };
  }, 30_000, 500);

  // Request rate: one series per reporter × response code; each reporter's sum is the traffic's count over the 5 m range.
  const rate = await prom.query(SEED_RATE);
  const expected = REQUESTS / RANGE_S;
  for (const reporter of ['source', 'destination']) {
    const series = rate.filter((s) => s.metric.reporter === reporter);
    assert.deepEqual(series.map((s) => s.metric.response_code).sort(), ['200', '500'], reporter);
    const sum = series.reduce((n, s) => n + s.value, 0);
    assert.ok(Math.abs(sum - expected) <= 0.15 * expected, `${reporter}: rate ${sum.toFixed(4)}/s, expected ${expected.toFixed(4)}/s ± 15 % (${REQUESTS} requests in the 5 m range)`);
  }

  // p95: every request took the app's 600 ms plus the mesh's overhead, so the 95th percentile lies
  // in Istio's (500, 1000] bucket — or, on a machine so loaded that the client itself saw a p95
  // past 1 s, no higher than the bucket holding what the client saw (the sidecars see a little less).
  const p95 = await prom.query(SEED_P95);
  const orderSeries = p95.filter((s) => s.metric.destination_service === ORDER_FQDN);
  assert.deepEqual(orderSeries.map((s) => `${s.metric.reporter} ${s.metric.response_code}`).sort(), ['destination 200', 'destination 500', 'source 200', 'source 500']);
  for (const s of orderSeries) {
    const code = Number(s.metric.response_code);
    const lat = replies.filter((r) => r.status === code).map((r) => r.ms).sort((x, y) => x - y);
    const clientP95 = lat[Math.ceil(lat.length * 0.95) - 1]!;
    const upper = Math.max(1000, ISTIO_BUCKETS.find((b) => b >= clientP95) ?? Infinity);
    assert.ok(s.value > 500 && s.value <= upper, `p95 ${s.value} ms for ${s.metric.reporter} ${code}: expected in (500, ${upper}]; ${clientSaw}`);
  }

  // Error rate: a fifth of the requests failed.
  const errorRate = await prom.query(SEED_ERROR_RATE);
  assert.equal(errorRate.length, 1);
  assert.ok(Math.abs(errorRate[0]!.value - 0.2) <= 0.05, `error rate ${errorRate[0]!.value}, expected 0.2 ± 0.05`);
});

test('order-service v1 → user-service v2 over mTLS: Istio’s labels from both reporters; the exchange header reaches neither app', async () => {
  const r = await send(order.ports.outbound, 'http://user-service:8080/headers', { timeoutMs: 10_000, headers: { 'x-weft-peer-metadata': 'forged' } });
  assert.equal(r.status, 200, summary(r));
  const seen = JSON.parse(r.body) as { headers: string[] };
  assert.ok(!seen.headers.includes('x-weft-peer-metadata'), `user-service's app saw ${seen.headers.join(', ')}`);
  assert.equal(r.headers['x-weft-peer-metadata'], undefined, 'order-service’s app never sees the callee’s metadata');

  const common = {
    source_workload: 'order-service-v1', source_workload_namespace: 'default', source_principal: 'spiffe://cluster.local/ns/default/sa/order-service',
    source_app: 'order-service', source_version: 'v1', source_canonical_service: 'order-service', source_canonical_revision: 'v1', source_cluster: 'Kubernetes',
    destination_workload: 'user-service-v2', destination_workload_namespace: 'default', destination_principal: 'spiffe://cluster.local/ns/default/sa/user-service',
    destination_app: 'user-service', destination_version: 'v2',
    destination_service: 'user-service.default.svc.cluster.local', destination_service_name: 'user-service', destination_service_namespace: 'default',
    destination_canonical_service: 'user-service', destination_canonical_revision: 'v2', destination_cluster: 'Kubernetes',
    request_protocol: 'http', response_flags: '-', response_code: '200', grpc_response_status: '',
  };
  const pick = (samples: Sample[], reporter: string): Sample => {
    const found = samples.filter((s) => s.name === 'istio_requests_total' && s.labels.reporter === reporter && s.labels.destination_service === common.destination_service);
    assert.equal(found.length, 1, JSON.stringify(found));
    return found[0]!;
  };
  const src = pick(await scrape(order), 'source');
  assert.deepEqual(src.labels, { reporter: 'source', ...common, connection_security_policy: 'unknown' });
  assert.equal(src.value, 1);
  const dst = pick(await scrape(user), 'destination');
  assert.deepEqual(dst.labels, { reporter: 'destination', ...common, connection_security_policy: 'mutual_tls' });
  assert.equal(dst.value, 1);
  // The duration histogram of the same label set counted it too, in Istio's buckets.
  const buckets = (await scrape(user)).filter((s) => s.name === 'istio_request_duration_milliseconds_bucket' && s.labels.destination_service === common.destination_service);
  assert.deepEqual(buckets.map((b) => b.labels.le), ['0.5', '1', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000', '30000', '60000', '300000', '600000', '1800000', '3600000', '+Inf']);
  assert.equal(buckets.at(-1)?.value, 1);
});
