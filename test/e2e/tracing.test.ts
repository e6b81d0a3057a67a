// Distributed tracing end to end: the seed's IstioOperator applied verbatim samples every request; a request client → api-gateway → order-service → user-service and payment-service (the demo's apps, real sidecars) is one trace with a CLIENT and a SERVER span per hop, in the control plane (`weft traces`) and at an OTLP and a Zipkin receiver that check the wire format; 0 % and a share sample as configured, an incoming decision is honoured, B3 in comes out as W3C and B3 with the same ids.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { E2E_APPS, Mesh, NODE, waitUntil, type Workload } from './harness/mesh.ts';
import { IDLE_APP_ARGS, SEED_FIXTURES, applyFiles, applyYaml, send, sha256, summary, waitForConfig } from './harness/traffic.ts';
import { assertNoProblems, spansOfRequest, startOtlpReceiver, startZipkinReceiver, type ReceivedSpan, type Receiver } from './harness/trace-receivers.ts';

/** Seed lines 313–323 ("Distributed Tracing (Jaeger)"), byte for byte. */
const SEED_TRACING = join(SEED_FIXTURES, 'tracing.yaml');
const SEED_TRACING_SHA256 = '58441e6c5be614ec69c8a09fbc70b0756edf020e93547f35d9d8756169afd0c6';
const DEMO = new URL('../../src/demo/services/', import.meta.url).pathname;
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
/** Spans of one request client → api-gateway → order-service → {user-service, payment-service}: a CLIENT and a SERVER span per hop. */
const SPANS_PER_REQUEST = 8;

let mesh: Mesh;
let otlp: Receiver;
let zipkin: Receiver;
let client: Workload;
let all: Workload[];

const demo = (service: string): Promise<Workload> => mesh.run({
  service, version: 'v1', command: [NODE, join(DEMO, `${service}.ts`)], env: { VERSION: 'v1' }, appReady: /listening on 127\.0\.0\.1/,
});

/** The mesh config with both receivers as extension providers and default tracing providers. */
function collectorsYaml(sampling: number): string {
  return `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  meshConfig:
    enableTracing: true
    defaultConfig:
      tracing:
        sampling: ${sampling}
    extensionProviders:
    - name: otel
      opentelemetry:
        service: 127.0.0.1
        port: ${otlp.port}
        http:
          path: /v1/traces
          timeout: 3s
          headers:
          - name: x-collector-token
            value: e2e-token
    - name: zipkin
      zipkin:
        service: 127.0.0.1
        port: ${zipkin.port}
    defaultProviders:
      tracing: [otel, zipkin]
`;
}

async function waitForSampling(pct: number, exporters: number): Promise<void> {
  await Promise.all(all.map((w) => waitForConfig(w, `tracing at ${pct} % with ${exporters} exporters`, (c) => c.telemetry?.tracing?.samplingPercent === pct && c.telemetry.tracing.exporters.length === exporters, 30_000)));
}

/** GET /orders/<n> through the client's sidecar to the api-gateway, with this x-request-id. */
async function order(requestId: string, headers: Record<string, string> = {}): Promise<void> {
  const r = await send(client.ports.outbound, `http://api-gateway:8080/orders/${requestId.length}`, { headers: { 'x-request-id': requestId, ...headers }, timeoutMs: 15_000 });
  assert.equal(r.status, 200, `order ${requestId}: ${summary(r)} ${r.body}`);
}

/** Waits until `r` holds `n` spans of request `id`. */
function spansAt(r: Receiver, id: string, n: number, what: string): Promise<ReceivedSpan[]> {
  return waitUntil(`${what} never got ${n} spans of request ${id}`, () => {
    const got = spansOfRequest(r.spans, id);
    return Promise.resolve(got.length >= n ? { done: true as const, value: got } : { done: false as const, last: `${got.length} spans` });
  }, 20_000, 200);
}

interface Span { readonly traceId: string; readonly spanId: string; readonly parentSpanId?: string | undefined; readonly kind: string; readonly service: string; readonly startUs: number; readonly endUs: number }

/**
 * The trace of one order: one trace id; client CLIENT → api-gateway SERVER → api-gateway CLIENT →
 * order-service SERVER → two order-service CLIENTs → user-service SERVER and payment-service SERVER;
 * each child inside its parent in time (2 ms of slack between processes' clocks), shorter than it.
 */
function assertOrderTrace(spans: readonly Span[], rootParent?: string): void {
  assert.equal(spans.length, SPANS_PER_REQUEST, `spans: ${spans.map((s) => `${s.service}/${s.kind}`).join(', ')}`);
  assert.equal(new Set(spans.map((s) => s.traceId)).size, 1, 'one trace');
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  assert.equal(byId.size, SPANS_PER_REQUEST, 'span ids unique');
  const one = (service: string, kind: string, parent: Span | undefined): Span[] => spans.filter((s) => s.service === service && s.kind === kind && (parent === undefined || s.parentSpanId === parent.spanId));
  const [root] = one('client.default', 'CLIENT', undefined);
  assert.ok(root !== undefined, 'the client\'s CLIENT span');
  assert.equal(root.parentSpanId, rootParent, 'the root\'s parent is the caller\'s span (or none)');
  const [gwServer] = one('api-gateway.default', 'SERVER', root);
  const [gwClient] = one('api-gateway.default', 'CLIENT', gwServer);
  const [orderServer] = one('order-service.default', 'SERVER', gwClient);
  const orderClients = one('order-service.default', 'CLIENT', orderServer);
  assert.ok(gwServer && gwClient && orderServer, 'gateway server, gateway client, order server in a chain');
  assert.equal(orderClients.length, 2, 'order-service calls two services');
  const userServer = spans.find((s) => s.service === 'user-service.default' && s.kind === 'SERVER');
  const paymentServer = spans.find((s) => s.service === 'payment-service.default' && s.kind === 'SERVER');
  assert.ok(userServer && paymentServer);
  assert.ok(orderClients.some((c) => c.spanId === userServer.parentSpanId) && orderClients.some((c) => c.spanId === paymentServer.parentSpanId), 'user and payment servers under the order clients');
  const SLACK_US = 2000;
  for (const s of spans) {
    if (s === root) continue;
    const p = byId.get(s.parentSpanId ?? '');
    assert.ok(p !== undefined, `${s.service}/${s.kind} has its parent in the trace`);
    assert.ok(s.endUs - s.startUs <= p.endUs - p.startUs, `${s.service}/${s.kind} lasts no longer than its parent`);
    assert.ok(s.startUs >= p.startUs - SLACK_US && s.endUs <= p.endUs + SLACK_US, `${s.service}/${s.kind} [${s.startUs}, ${s.endUs}] inside ${p.service}/${p.kind} [${p.startUs}, ${p.endUs}]`);
  }
}

before(async () => {
  [otlp, zipkin] = await Promise.all([startOtlpReceiver(), startZipkinReceiver()]);
  mesh = await Mesh.start();
  const started = await Promise.all([
    mesh.run({ service: 'client', command: [NODE, ...IDLE_APP_ARGS] }),
    demo('api-gateway'), demo('order-service'), demo('user-service'), demo('payment-service'),
    mesh.run({ service: 'header-echo', command: [NODE, join(E2E_APPS, 'header-echo.ts')], appReady: /header-echo up on/ }),
  ]);
  client = started[0];
  all = started;
  await client.waitForEndpoints({ '|api-gateway.': 1, '|header-echo.': 1 });
  await started[1].waitForEndpoints({ '|order-service.': 1 });
  await started[2].waitForEndpoints({ '|user-service.': 1, '|payment-service.': 1 });
});

after(async () => {
  await mesh?.close();
  await Promise.all([otlp?.close(), zipkin?.close()]);
});

test('the seed\'s IstioOperator, verbatim: every request is one trace of 8 spans in the control plane, printed by `weft traces` as a tree', async () => {
  assert.equal(await sha256(SEED_TRACING), SEED_TRACING_SHA256, 'the fixture is the seed\'s text');
  const applied = await applyFiles(mesh, SEED_TRACING);
  assert.match(applied.stdout, /istiooperator\.install\.istio\.io\/default (created|configured)/);
  await waitForSampling(100, 1);
  const c = await waitForConfig(client, 'the seed\'s collector', (x) => x.telemetry?.tracing !== undefined);
  assert.deepEqual(c.telemetry?.tracing?.exporters, [{ protocol: 'zipkin', url: 'http://jaeger-collector.istio-system:9411/api/v2/spans' }]);
  await order('seed-1');
  const id = await waitUntil('`weft traces` never listed a trace of 8 spans', async () => {
    const r = await mesh.weft(['traces', '-o', 'json']);
    const list = (JSON.parse(r.stdout || '{"traces":[]}') as { traces: { traceId: string; spans: number; rootService: string; status: string }[] }).traces;
    const t = list.find((x) => x.spans === SPANS_PER_REQUEST);
    return t === undefined ? { done: false, last: r.stdout + r.stderr } : { done: true, value: t };
  }, 20_000, 500);
  assert.equal(id.rootService, 'client.default');
  assert.equal(id.status, 'ok');
  const detail = await mesh.weft(['traces', id.traceId, '-o', 'json']);
  assert.equal(detail.code, 0, detail.stderr);
  const spans = (JSON.parse(detail.stdout) as { spans: { traceId: string; spanId: string; parentSpanId?: string; kind: string; service: string; startUs: number; durationUs: number; tags: Record<string, string> }[] }).spans;
  assert.ok(spans.every((s) => s.tags['guid:x-request-id'] === 'seed-1'), 'every span carries the request id');
  assertOrderTrace(spans.map((s) => ({ ...s, endUs: s.startUs + s.durationUs })));
  const clientSpan = spans.find((s) => s.service === 'client.default')!;
  assert.equal(clientSpan.tags['http.method'], 'GET');
  assert.equal(clientSpan.tags['http.status_code'], '200');
  assert.match(clientSpan.tags['upstream_cluster'] ?? '', /^outbound\|8080\|\|api-gateway\.default\.svc\.cluster\.local$/);
  assert.equal(clientSpan.tags['node_id'], client.proxyId);
  const tree = await mesh.weft(['traces', id.traceId]);
  assert.equal(tree.code, 0, tree.stderr);
  assert.match(tree.stdout, new RegExp(`^trace ${id.traceId}  8 spans  `, 'm'));
  assert.match(tree.stdout, /^└─ GET \/orders\/6 {2}client\.default client → api-gateway\.default {2}\S+ {2}200$/m);
  assert.match(tree.stdout, /^ {12}[├└]─ GET \/users\/\d+ {2}order-service\.default client → user-service\.default {2}\S+ {2}200$/m);
  assert.match(tree.stdout, /^ {12}[│ ] {2}└─ GET \/payments\/6 {2}payment-service\.default server {2}\S+ {2}200$/m);
  const missing = await mesh.weft(['traces', 'f'.repeat(32)]);
  assert.equal(missing.code, 4, 'an unknown trace id is "not found"');
});

test('exported to an OTLP/HTTP and a Zipkin receiver, batched, in the published wire formats, with the same ids the control plane holds', async () => {
  await applyYaml(mesh, collectorsYaml(100));
  await waitForSampling(100, 2);
  await order('collect-1');
  const [o, z] = await Promise.all([spansAt(otlp, 'collect-1', SPANS_PER_REQUEST, 'the OTLP receiver'), spansAt(zipkin, 'collect-1', SPANS_PER_REQUEST, 'the Zipkin receiver')]);
  assertNoProblems(otlp, 'the OTLP receiver');
  assertNoProblems(zipkin, 'the Zipkin receiver');
  assertOrderTrace(o);
  assertOrderTrace(z);
  const key = (s: ReceivedSpan): string => `${s.traceId}/${s.spanId}/${s.parentSpanId ?? ''}/${s.kind}/${s.service}`;
  assert.deepEqual(o.map(key).sort(), z.map(key).sort(), 'both collectors got the same spans');
  const cp = await mesh.weft(['traces', o[0]!.traceId, '-o', 'json']);
  assert.equal(cp.code, 0, cp.stderr);
  const held = (JSON.parse(cp.stdout) as { spans: ReceivedSpan[] }).spans;
  assert.deepEqual(held.map(key).sort(), o.map(key).sort(), 'the control plane holds the same spans');
  assert.ok(otlp.posts < 6 * SPANS_PER_REQUEST, `spans are batched (${otlp.posts} POSTs)`);
  assert.ok(otlp.headers.length > 0 && otlp.headers.every((h) => h['x-collector-token'] === 'e2e-token'), `every OTLP POST carries the provider's http.headers: ${JSON.stringify(otlp.headers.map((h) => h['x-collector-token']))}`);
  assert.ok(zipkin.headers.every((h) => h['x-collector-token'] === undefined), 'the Zipkin provider has no such header');
});

test('sampling at 0 %: no spans; an incoming sampled traceparent is honoured all the way down', async () => {
  await applyYaml(mesh, collectorsYaml(0));
  await waitForSampling(0, 2);
  for (let i = 0; i < 10; i++) await order(`zero-${i}`);
  await order('honoured', { traceparent: `00-${TRACE}-${PARENT}-01` });
  const honoured = await spansAt(otlp, 'honoured', SPANS_PER_REQUEST, 'the OTLP receiver');
  assertOrderTrace(honoured, PARENT);
  assert.ok(honoured.every((s) => s.traceId === TRACE), 'the caller\'s trace id is kept');
  await order('unsampled', { traceparent: `00-${TRACE}-${PARENT}-00` });
  await applyYaml(mesh, collectorsYaml(100));
  await waitForSampling(100, 2);
  await order('after');
  await spansAt(otlp, 'after', SPANS_PER_REQUEST, 'the OTLP receiver');
  const zero = otlp.spans.filter((s) => /^zero-|^unsampled$/.test(s.tags['guid:x-request-id'] ?? ''));
  assert.deepEqual(zero, [], 'unsampled requests left no span (the later ones arrived)');
});

test('a Telemetry at 50 %: about half of the requests are traced, each either completely or not at all (the edge decides once)', async () => {
  const half = `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: istio-system
spec:
  tracing:
  - randomSamplingPercentage: 50
`;
  await applyYaml(mesh, half);
  await waitForSampling(50, 2);
  const n = 40;
  for (let i = 0; i < n; i++) await order(`half-${i}`);
  await order('half-marker', { traceparent: `00-${'1'.repeat(32)}-${PARENT}-01` });
  await spansAt(otlp, 'half-marker', SPANS_PER_REQUEST, 'the OTLP receiver');
  const counts = new Map<string, number>();
  for (const s of otlp.spans) {
    const id = s.tags['guid:x-request-id'] ?? '';
    if (id.startsWith('half-') && id !== 'half-marker') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  assert.ok([...counts.values()].every((c) => c === SPANS_PER_REQUEST), `partial traces: ${JSON.stringify([...counts])}`);
  assert.ok(counts.size >= 8 && counts.size <= 32, `${counts.size} of ${n} requests traced at 50 %`);
  const del = await mesh.weft(['delete', '-f', '-'], undefined, half);
  assert.equal(del.code, 0, del.stderr);
});

test('B3 in, W3C and B3 out: the app behind the sidecar sees one context in both formats, child of the caller\'s span', async () => {
  await waitForSampling(100, 2);
  const b3Trace = 'a3ce929d0e0e4736';
  const r = await send(client.ports.outbound, 'http://header-echo:8080/b3', {
    headers: { 'x-request-id': 'b3-in', 'x-b3-traceid': b3Trace, 'x-b3-spanid': PARENT, 'x-b3-sampled': '1', 'tracestate': 'vendor=1' },
  });
  assert.equal(r.status, 200, summary(r));
  const seen = (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
  const full = `0000000000000000${b3Trace}`;
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(seen['traceparent'] ?? '');
  assert.ok(m !== null, `traceparent ${seen['traceparent']}`);
  assert.equal(m[1], full, 'the 64-bit B3 trace id, padded');
  assert.equal(seen['x-b3-traceid'], full);
  assert.equal(seen['x-b3-spanid'], m[2], 'B3 and W3C name the same span');
  assert.equal(seen['x-b3-sampled'], '1');
  assert.equal(seen['tracestate'], 'vendor=1');
  const spans = await spansAt(otlp, 'b3-in', 2, 'the OTLP receiver');
  const c = spans.find((s) => s.kind === 'CLIENT')!;
  const s = spans.find((x) => x.kind === 'SERVER')!;
  assert.equal(c.parentSpanId, PARENT);
  assert.equal(s.parentSpanId, c.spanId);
  assert.equal(s.spanId, m[2], 'the app\'s parent is the server span');
  assertNoProblems(otlp, 'the OTLP receiver');
});
