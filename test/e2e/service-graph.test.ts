// Service graph and access logs end to end: known traffic from client v1 to order-service v1 (every fifth request answered 500) and to user-service v2 → `weft graph -o json` has both edges with the rates (±20 %) and error rates (0.2 ± 0.05, and 0) sent, over mTLS, with p50 ≤ p95 ≤ p99; the table and DOT views show them; plaintext calls between sidecars are counted once, by the caller; the access-log lines of both sidecars for one request carry Envoy's fields with matching values; an IstioOperator switches the log to a text format string.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { GraphEdge, ServiceGraph } from '../../src/controlplane/telemetry/graph-types.ts';
import { E2E_APPS, Mesh, NODE, sleep, waitUntil, type Workload } from './harness/mesh.ts';
import { IDLE_APP_ARGS, applyYaml, assertEnforced, keepAliveAgent, proxyConfig, send, summary, waitForConfig, type Reply } from './harness/traffic.ts';

/** The control plane's window (`--graph-window`); sidecars then report every second. */
const WINDOW_S = 20;
/** Traffic lasts longer than the window, so the window is full when the graph is read. */
const TRAFFIC_MS = 24_000;
const TICK_MS = 100;
/** Every USER_EVERY-th tick also calls user-service. */
const USER_EVERY = 4;
const FAIL_EVERY = 5;
const DELAY_MS = 20;
/** Rates read from the graph match what was sent in its window within this share (report lag, slot edges, a loaded machine). */
const RATE_TOLERANCE = 0.2;
const ERROR_RATE_TOLERANCE = 0.05;
const ORDER_FQDN = 'order-service.default.svc.cluster.local';
const USER_FQDN = 'user-service.default.svc.cluster.local';
const CLIENT = 'workload:default/client/v1';
const ORDER_V1 = 'workload:default/order-service/v1';
const USER_V2 = 'workload:default/user-service/v2';

let mesh: Mesh;
let client: Workload;
let order: Workload;
let user: Workload;
const agent = keepAliveAgent(8);

const app = (service: string, version: string, env: Record<string, string> = {}): Promise<Workload> => mesh.run({
  service, version, command: [NODE, join(E2E_APPS, 'metrics-app.ts')], env: { VERSION: version, ...env }, appReady: /metrics app up on/, accessLog: 'stderr',
});

async function graph(): Promise<ServiceGraph> {
  const r = await mesh.weft(['graph', '-o', 'json']);
  assert.equal(r.code, 0, `weft graph -o json exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ServiceGraph;
}

function edge(g: ServiceGraph, source: string, target: string): GraphEdge {
  const e = g.edges.find((x) => x.source === source && x.target === target);
  assert.ok(e !== undefined, `no edge ${source} → ${target} in ${JSON.stringify(g.edges, null, 2)}`);
  return e;
}

before(async () => {
  mesh = await Mesh.start(['--graph-window', `${WINDOW_S}s`]);
  [client, order, user] = await Promise.all([
    mesh.run({ service: 'client', version: 'v1', command: [NODE, ...IDLE_APP_ARGS], accessLog: 'stderr' }),
    app('order-service', 'v1', { DELAY_MS: String(DELAY_MS), FAIL_EVERY: String(FAIL_EVERY) }),
    app('user-service', 'v2'),
  ]);
  await client.waitForEndpoints({ '|order-service.': 1, '|user-service.': 1 });
}, { timeout: 180_000 });

after(async () => {
  agent.destroy();
  await mesh?.close();
}, { timeout: 60_000 });

test('known traffic → weft graph: edges, rates, error rates, latency percentiles and mTLS match what was sent', { timeout: 120_000 }, async (t) => {
  const sent: { at: number; to: 'order' | 'user'; reply: Promise<Reply> }[] = [];
  const start = Date.now();
  for (let tick = 1; Date.now() - start < TRAFFIC_MS; tick++) {
    // Paced by wall time, not by answers: a slow answer must not slow the rate sent.
    sent.push({ at: Date.now(), to: 'order', reply: send(client.ports.outbound, `http://order-service:8080/work/${tick}`, { agent, timeoutMs: 10_000 }) });
    if (tick % USER_EVERY === 0) sent.push({ at: Date.now(), to: 'user', reply: send(client.ports.outbound, `http://user-service:8080/work/${tick}`, { agent, timeoutMs: 10_000 }) });
    await sleep(Math.max(0, start + tick * TICK_MS - Date.now()));
  }
  const replies = await Promise.all(sent.map((s) => s.reply));
  const statuses = replies.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 200 || s === 500), `unexpected answers: ${replies.filter((r) => r.status !== 200 && r.status !== 500).map(summary).join(', ')}`);

  // Two report intervals for the last requests to reach the control plane.
  await sleep(2_500);
  const readAt = Date.now();
  const g = await graph();
  const inWindow = sent.map((s, i) => ({ ...s, status: statuses[i]! })).filter((s) => s.at >= readAt - WINDOW_S * 1000);
  const orders = inWindow.filter((s) => s.to === 'order');
  const users = inWindow.filter((s) => s.to === 'user');
  const windowS = g.coveredMs / 1000;
  // Slots are a twelfth of the window: the window covers between eleven twelfths of it and all of it.
  assert.ok(windowS >= (WINDOW_S * 11) / 12 - 0.01 && windowS <= WINDOW_S, `the window covered ${windowS} s`);

  const toOrder = edge(g, CLIENT, ORDER_V1);
  assert.equal(toOrder.service, ORDER_FQDN);
  const expectedOrderRate = orders.length / WINDOW_S;
  assert.ok(Math.abs(toOrder.requestRate - expectedOrderRate) <= RATE_TOLERANCE * expectedOrderRate,
    `client → order-service: ${toOrder.requestRate} req/s in the graph, ${expectedOrderRate.toFixed(2)} sent (${orders.length} in the last ${WINDOW_S} s)`);
  assert.ok(Math.abs(toOrder.errorRate - 1 / FAIL_EVERY) <= ERROR_RATE_TOLERANCE, `client → order-service error rate ${toOrder.errorRate}`);
  const sentErrorShare = orders.filter((s) => s.status === 500).length / orders.length;
  assert.ok(Math.abs(toOrder.errorRate - sentErrorShare) <= ERROR_RATE_TOLERANCE, `error rate ${toOrder.errorRate} vs ${sentErrorShare} answered 500`);
  assert.equal(toOrder.mtls, true);
  assert.equal(toOrder.mtlsPercent, 100);
  const { p50, p95, p99 } = toOrder.latencyMs;
  assert.ok(p50 !== null && p95 !== null && p99 !== null, JSON.stringify(toOrder.latencyMs));
  // Every answer takes DELAY_MS in the app: p50 falls in the buckets around it.
  assert.ok(p50 >= 10 && p50 <= 100, `p50 ${p50} ms`);
  assert.ok(p50 <= p95 && p95 <= p99, `p50 ${p50} ≤ p95 ${p95} ≤ p99 ${p99}`);

  t.diagnostic(`client → order-service: ${toOrder.requestRate} req/s (sent ${expectedOrderRate.toFixed(2)}), error rate ${toOrder.errorRate} (sent ${sentErrorShare.toFixed(3)}), p50/p95/p99 ${p50}/${p95}/${p99} ms, window covered ${windowS} s`);
  const toUser = edge(g, CLIENT, USER_V2);
  assert.equal(toUser.service, USER_FQDN);
  const expectedUserRate = users.length / WINDOW_S;
  assert.ok(Math.abs(toUser.requestRate - expectedUserRate) <= RATE_TOLERANCE * expectedUserRate,
    `client → user-service: ${toUser.requestRate} req/s in the graph, ${expectedUserRate.toFixed(2)} sent`);
  assert.equal(toUser.errorRate, 0);
  t.diagnostic(`client → user-service: ${toUser.requestRate} req/s (sent ${expectedUserRate.toFixed(2)})`);
  assert.equal(toUser.mtls, true);

  // Exactly these two edges (sidecars report only what they called; the apps call nobody).
  assert.deepEqual(g.edges.map((e) => `${e.source} → ${e.target}`).sort(), [`${CLIENT} → ${ORDER_V1}`, `${CLIENT} → ${USER_V2}`]);
  const nodes = new Map(g.nodes.map((n) => [n.id, n]));
  assert.deepEqual(nodes.get(`service:${ORDER_FQDN}`)?.versions, ['v1']);
  assert.deepEqual(nodes.get(`service:${USER_FQDN}`)?.versions, ['v2']);
  assert.equal(nodes.get(USER_V2)?.version, 'v2');
  assert.deepEqual(nodes.get(USER_V2)?.instances, [user.proxyId.split('.')[0]]);
  assert.deepEqual(nodes.get(ORDER_V1)?.instances, [order.proxyId.split('.')[0]]);

  // The same graph as a table and as DOT.
  const table = await mesh.weft(['graph']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^SOURCE\s+DESTINATION\s+SERVICE\s+REQ\/S\s+ERRORS\s+P50\s+P95\s+P99\s+MTLS$/m);
  assert.match(table.stdout, /^client v1\s+order-service v1\s+order-service\.default\s+\d+\.\d+\s+\d+\.\d%\s+\S+\s+\S+\s+\S+\s+yes$/m);
  assert.match(table.stdout, /^client v1\s+user-service v2\s+user-service\.default\s+\d+\.\d+\s+0\.0%\s+\S+\s+\S+\s+\S+\s+yes$/m);
  const dot = await mesh.weft(['graph', '-o', 'dot']);
  assert.equal(dot.code, 0, dot.stderr);
  assert.match(dot.stdout, /^digraph weft \{/);
  assert.ok(dot.stdout.includes(`"${CLIENT}" -> "${ORDER_V1}" [label=`), dot.stdout);
  assert.ok(dot.stdout.includes(`"${CLIENT}" -> "${USER_V2}" [label=`), dot.stdout);
});

test('a plaintext call between sidecars (PeerAuthentication DISABLE) is one edge from its caller; a caller without a sidecar is the unknown source', { timeout: 90_000 }, async () => {
  const disable = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: user-plaintext
  namespace: default
spec:
  selector:
    matchLabels:
      app: user-service
  mtls:
    mode: DISABLE
`;
  assertEnforced(await applyYaml(mesh, disable), 'PeerAuthentication DISABLE');
  await waitForConfig(client, 'user-service\'s endpoint taking plaintext', (c) => {
    const eps = c.clusters.find((cl) => cl.name === `outbound|8080||${USER_FQDN}`)?.endpoints ?? [];
    return eps.length === 1 && eps[0]!.mtls === false;
  });
  await waitForConfig(user, 'inbound mode DISABLE', (c) => c.inbound.mtls?.mode === 'DISABLE');
  const plain = 30;
  for (let i = 0; i < plain; i++) {
    const r = await send(client.ports.outbound, `http://user-service:8080/plain/${i}`, { agent, timeoutMs: 10_000 });
    assert.equal(r.status, 200, summary(r));
  }
  // A caller outside the mesh, straight to user-service's inbound port: only the callee can report it.
  const outside = 5;
  for (let i = 0; i < outside; i++) {
    const r = await send(user.ports.inbound, `http://user-service:8080/outside/${i}`, { timeoutMs: 10_000 });
    assert.equal(r.status, 200, summary(r));
  }
  await sleep(2_500);
  const g = await graph();
  const toUser = edge(g, CLIENT, USER_V2);
  assert.ok(toUser.mtlsPercent < 100, `the plaintext calls are in the caller's edge: mtlsPercent ${toUser.mtlsPercent}`);
  assert.equal(toUser.mtls, false);
  const fromUnknown = g.edges.filter((e) => e.source === 'unknown');
  assert.equal(fromUnknown.length, 1, `one edge from unknown (the caller without a sidecar), not the plaintext calls again: ${JSON.stringify(fromUnknown)}`);
  assert.equal(fromUnknown[0]!.target, USER_V2);
  // The requests within the window, not the plaintext calls counted a second time.
  assert.ok(fromUnknown[0]!.requestRate * g.coveredMs / 1000 <= outside + 0.5, `unknown → user-service: ${fromUnknown[0]!.requestRate} req/s over ${g.coveredMs} ms`);

  // Back to mTLS for the tests that follow.
  const del = await mesh.weft(['delete', '-f', '-'], undefined, disable);
  assert.equal(del.code, 0, `weft delete: ${del.stderr}`);
  await waitForConfig(user, 'inbound mode back from DISABLE', (c) => c.inbound.mtls?.mode !== 'DISABLE');
  await waitForConfig(client, 'user-service\'s endpoint back on mTLS', (c) => (c.clusters.find((cl) => cl.name === `outbound|8080||${USER_FQDN}`)?.endpoints ?? []).every((e) => e.mtls !== false));
});

/** The JSON access-log lines a workload's sidecar wrote to its stderr. */
function jsonLines(w: Workload): Record<string, unknown>[] {
  return w.output().stderr.split('\n').filter((l) => l.startsWith('{"start_time"') && l.endsWith('}')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('one request, two sidecars: both access-log lines carry Envoy\'s fields with matching values', { timeout: 60_000 }, async () => {
  const requestId = `graph-e2e-${Date.now()}`;
  const r = await send(client.ports.outbound, 'http://order-service:8080/work/1', { headers: { 'x-request-id': requestId, 'user-agent': 'e2e-agent' }, timeoutMs: 10_000 });
  assert.equal(r.status, 200, summary(r));
  const byId = (w: Workload): Record<string, unknown> | undefined => jsonLines(w).find((l) => l.request_id === requestId);
  const [out, inb] = await waitUntil('both sidecars\' access-log lines', async () => {
    const a = byId(client);
    const b = byId(order);
    return a !== undefined && b !== undefined ? { done: true, value: [a, b] as const } : { done: false, last: `outbound ${a !== undefined}, inbound ${b !== undefined}` };
  }, 10_000, 100);
  const addr = /^127\.0\.0\.1:\d+$/;
  const orderConfig = await order.configDump();
  for (const [line, direction] of [[out, 'outbound'], [inb, 'inbound']] as const) {
    assert.equal(line.direction, direction);
    assert.match(String(line.start_time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line.method, 'GET');
    assert.equal(line.path, '/work/1');
    assert.equal(line.protocol, 'HTTP/1.1');
    assert.equal(line.response_code, 200);
    assert.equal(line.response_flags, '-');
    assert.equal(line.bytes_received, 0);
    assert.equal(line.bytes_sent, Buffer.byteLength(r.body));
    assert.ok(typeof line.duration === 'number' && line.duration >= DELAY_MS - 1, `${direction} duration ${String(line.duration)}`);
    assert.equal(line.authority, 'order-service:8080');
    assert.equal(line.user_agent, 'e2e-agent');
    assert.match(String(line.upstream_host), addr);
    assert.match(String(line.upstream_local_address), addr);
    assert.match(String(line.downstream_local_address), addr);
    assert.match(String(line.downstream_remote_address), addr);
  }
  // The outbound sidecar: accepted on its outbound listener, sent to order-service's inbound listener.
  assert.equal(out.downstream_local_address, `127.0.0.1:${client.ports.outbound}`);
  assert.equal(out.upstream_cluster, `outbound|8080||${ORDER_FQDN}`);
  assert.equal(out.upstream_host, orderConfig.listeners.inbound);
  // Each side rounds its own duration to whole milliseconds, so the nesting holds within 1 ms.
  assert.ok(Number(out.duration) + 1 >= Number(inb.duration), `outbound ${String(out.duration)} ms ≥ inbound ${String(inb.duration)} ms (± 1 ms of rounding)`);
  // The inbound sidecar: the connection the outbound one opened, then the local app.
  assert.equal(inb.downstream_local_address, orderConfig.listeners.inbound);
  assert.equal(inb.downstream_remote_address, out.upstream_local_address);
  assert.equal(inb.upstream_host, orderConfig.listeners.app);
  assert.match(String(inb.upstream_cluster), /^inbound\|8080\|/);
  assert.match(String(inb.downstream_peer_identity), /^spiffe:\/\/cluster\.local\/ns\/default\/sa\/client$/);
});

test('mesh config switches the access log to Envoy\'s text format with a format string', { timeout: 60_000 }, async () => {
  const format = '[%START_TIME%] %REQ(X-REQUEST-ID)% "%REQ(:METHOD)% %REQ(:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS%';
  await applyYaml(mesh, [
    'apiVersion: install.istio.io/v1alpha1',
    'kind: IstioOperator',
    'spec:',
    '  meshConfig:',
    '    accessLogFile: /dev/stdout',
    '    accessLogEncoding: TEXT',
    `    accessLogFormat: '${format}'`,
    '',
  ].join('\n'));
  await waitForConfig(client, 'the text access-log format', (c) => (c as { telemetry?: { accessLog?: { format?: string } } }).telemetry?.accessLog?.format === 'text');
  const requestId = `text-e2e-${Date.now()}`;
  const r = await send(client.ports.outbound, 'http://user-service:8080/work/7', { headers: { 'x-request-id': requestId }, timeoutMs: 10_000 });
  assert.equal(r.status, 200, summary(r));
  const line = await waitUntil('the text access-log line', async () => {
    const l = client.output().stderr.split('\n').find((x) => x.includes(` ${requestId} `));
    return l !== undefined ? { done: true, value: l } : { done: false, last: 'none yet' };
  }, 10_000, 100);
  assert.match(line, new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\] ${requestId} "GET /work/7 HTTP/1\\.1" 200 - outbound\\|8080\\|\\|${USER_FQDN.replaceAll('.', '\\.')} 127\\.0\\.0\\.1:\\d+$`));
  assert.ok((await proxyConfig(client)) !== null);
});
