// Authorization: the seed's AuthorizationPolicy applied verbatim lets order-service POST /payments/123 (200) and answers user-service and order-service's GET with 403 "RBAC: access denied" from payment-service's sidecar; DENY before ALLOW, notPaths, `when` on a header and a namespace-wide deny-all each work end to end.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { E2E_APPS, Mesh, NODE, type Workload } from './harness/mesh.ts';
import {
  IDLE_APP_ARGS, SEED_FIXTURES, VARIANT_FIXTURES, appSeen, applyFiles, assertEnforced, keepAliveAgent, send, sha256, summary, waitForConfig, waitForLog,
  type FlakySeen, type Reply, type SendOptions,
} from './harness/traffic.ts';

/** Seed lines 424–442 ("Authorization"), byte for byte. */
const SEED_AUTHZ = join(SEED_FIXTURES, 'authorization.yaml');
const SEED_AUTHZ_SHA256 = 'c2180ddfb539102e44bb9717f2a36fe4faee8187949d8af3cb56403f8c8bee00';
const DENY_BEFORE_ALLOW = join(VARIANT_FIXTURES, 'authz-deny-before-allow.yaml');
const NOT_PATHS = join(VARIANT_FIXTURES, 'authz-not-paths.yaml');
const WHEN_HEADER = join(VARIANT_FIXTURES, 'authz-when-header.yaml');
const DENY_ALL = join(VARIANT_FIXTURES, 'authz-deny-all-namespace.yaml');

let mesh: Mesh;
let order: Workload;
let user: Workload;
let payment: Workload;
let ledger: Workload;
let catalog: Workload;
let inventory: Workload;
let vault: Workload;
const agent = keepAliveAgent(2);

const server = (service: string, namespace = 'default'): Promise<Workload> => mesh.run({
  service, namespace, version: 'v1', command: [NODE, join(E2E_APPS, 'flaky-server.ts')], env: { VERSION: 'v1' }, accessLog: 'stderr', appReady: /flaky up on/,
});

const call = (from: Workload, url: string, opts: SendOptions = {}): Promise<Reply> => send(from.ports.outbound, url, { agent, timeoutMs: 5_000, ...opts });

function assertOk(r: Reply, what: string): void {
  assert.equal(r.status, 200, `${what}: got ${summary(r)} ${r.body}`);
}

/** Asserts `r` is the authorization refusal of `by`'s sidecar: 403, Envoy's exact body, flag RBAC. */
function assertDenied(r: Reply, by: Workload, what: string): void {
  assert.equal(r.status, 403, `${what}: got ${summary(r)} ${r.body}`);
  assert.equal(r.body, 'RBAC: access denied', `${what}: body`);
  assert.equal(r.headers['x-weft-response-flags'], 'RBAC', `${what}: x-weft-response-flags ${String(r.headers['x-weft-response-flags'])}`);
  assert.equal(r.headers['x-weft-proxy'], by.proxyId, `${what}: refused by ${String(r.headers['x-weft-proxy'])}, expected ${by.proxyId}`);
}

/** The paths the app behind `w` was actually asked for. */
async function served(w: Workload): Promise<string[]> {
  return (await appSeen<FlakySeen>(w)).served.map((s) => s.path);
}

before(async () => {
  mesh = await Mesh.start();
  [order, user, payment, ledger, catalog, inventory, vault] = await Promise.all([
    mesh.run({ service: 'order-service', command: [NODE, ...IDLE_APP_ARGS] }),
    mesh.run({ service: 'user-service', command: [NODE, ...IDLE_APP_ARGS] }),
    server('payment-service'),
    server('ledger'),
    server('catalog'),
    server('inventory'),
    server('vault', 'locked'),
  ]);
  const want = { '||payment-service.': 1, '||ledger.': 1, '||catalog.': 1, '||inventory.': 1, '||vault.': 1 };
  await Promise.all([order.waitForEndpoints(want), user.waitForEndpoints(want)]);
});

after(async () => {
  agent.destroy();
  await mesh?.close();
});

test('the seed\'s AuthorizationPolicy verbatim: order-service POST /payments/123 → 200; user-service → 403; order-service GET → 403', { timeout: 60_000 }, async () => {
  assert.equal(await sha256(SEED_AUTHZ), SEED_AUTHZ_SHA256, `${SEED_AUTHZ} is no longer the seed's YAML byte for byte`);
  // Before the policy, everyone is allowed (no policy applies).
  assertOk(await call(user, 'http://payment-service:8080/payments/0', { method: 'POST', body: '{}' }), 'user-service before any policy');

  const applied = await applyFiles(mesh, SEED_AUTHZ);
  assert.match(applied.stdout, /^authorizationpolicy\.security\.istio\.io\/payment-service-policy created$/m);
  assertEnforced(applied, 'the seed\'s AuthorizationPolicy');
  const listed = await mesh.weft(['get', 'ap']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /payment-service-policy/, 'weft get ap lists it (kubectl\'s short name)');
  const config = await waitForConfig(payment, 'the seed\'s policy', (c) => c.inbound.authorization !== undefined);
  assert.deepEqual(config.inbound.authorization?.allow.map((p) => p.name), ['ns[default]-policy[payment-service-policy]']);
  assert.equal((await waitForConfig(order, 'a config', () => true)).inbound.authorization, undefined, 'the selector picks payment-service only');

  assertOk(await call(order, 'http://payment-service:8080/payments/123', { method: 'POST', body: '{"amount":10}' }), 'order-service POST /payments/123');
  assertDenied(await call(user, 'http://payment-service:8080/payments/123', { method: 'POST', body: '{"amount":10}' }), payment, 'user-service POST /payments/123');
  assertDenied(await call(order, 'http://payment-service:8080/payments/123'), payment, 'order-service GET /payments/123 (method not allowed)');
  assertDenied(await call(order, 'http://payment-service:8080/refunds/123', { method: 'POST', body: '{}' }), payment, 'order-service POST /refunds/123 (path not allowed)');
  assertOk(await call(order, 'http://payment-service.default.svc.cluster.local:8080/payments/7?currency=eur', { method: 'POST', body: '{}' }), 'order-service POST with a query, by FQDN');

  assert.deepEqual(await served(payment), ['/payments/0', '/payments/123', '/payments/7?currency=eur'], 'the app saw only the allowed requests');
  const lines = await waitForLog(payment, 'refused by RBAC', (l) => l.direction === 'inbound' && l.response_flags === 'RBAC', 3);
  for (const l of lines) {
    assert.equal(l.response_code, 403);
    assert.equal(l.response_code_details, 'rbac_access_denied_matched_policy[none]');
  }
});

test('DENY before ALLOW: an ALLOW that matches every request does not save one a DENY rule matches', { timeout: 60_000 }, async () => {
  const applied = await applyFiles(mesh, DENY_BEFORE_ALLOW);
  assertEnforced(applied, DENY_BEFORE_ALLOW);
  await waitForConfig(ledger, 'both ledger policies', (c) => c.inbound.authorization?.deny.length === 1 && c.inbound.authorization.allow.length === 1);

  assertOk(await call(order, 'http://ledger:8080/ledger/entries'), 'order-service GET /ledger/entries (allowed by ledger-allow-all)');
  assertOk(await call(order, 'http://ledger:8080/ledger/entries/1', { method: 'DELETE' }), 'order-service DELETE (the DELETE rule is for user-service)');
  assertDenied(await call(order, 'http://ledger:8080/ledger/admin/users'), ledger, 'order-service GET /ledger/admin/users');
  assertDenied(await call(user, 'http://ledger:8080/ledger/admin'), ledger, 'user-service GET /ledger/admin');
  assertDenied(await call(user, 'http://ledger:8080/ledger/entries/1', { method: 'DELETE' }), ledger, 'user-service DELETE');
  assertOk(await call(user, 'http://ledger:8080/ledger/entries'), 'user-service GET /ledger/entries');

  assert.deepEqual(await served(ledger), ['/ledger/entries', '/ledger/entries/1', '/ledger/entries']);
  const details = (await waitForLog(ledger, 'refused by RBAC', (l) => l.direction === 'inbound' && l.response_flags === 'RBAC', 3)).map((l) => l.response_code_details);
  assert.deepEqual(details, [
    'rbac_access_denied_matched_policy[ns[default]-policy[ledger-deny-admin]-rule[0]]',
    'rbac_access_denied_matched_policy[ns[default]-policy[ledger-deny-admin]-rule[0]]',
    'rbac_access_denied_matched_policy[ns[default]-policy[ledger-deny-admin]-rule[1]]',
  ], 'each refusal names the DENY rule that matched');

  // Dot segments cannot walk around a DENY: the path is judged, and forwarded, normalized.
  assertDenied(await call(order, 'http://ledger:8080/ledger/entries/../admin/users'), ledger, 'GET /ledger/entries/../admin/users');
  assertDenied(await call(order, 'http://ledger:8080/ledger/x/%2e%2e/admin'), ledger, 'GET /ledger/x/%2e%2e/admin');
  assertOk(await call(order, 'http://ledger:8080/ledger/admin/../entries/2'), 'GET /ledger/admin/../entries/2');
  assert.deepEqual((await served(ledger)).slice(3), ['/ledger/entries/2'], 'the app got the normalized path');
});

test('notPaths: every path but /catalog/internal/* is allowed to callers of namespace default', { timeout: 60_000 }, async () => {
  assertEnforced(await applyFiles(mesh, NOT_PATHS), NOT_PATHS);
  await waitForConfig(catalog, 'the catalog policy', (c) => c.inbound.authorization?.allow.length === 1);
  assertOk(await call(order, 'http://catalog:8080/catalog/items'), 'GET /catalog/items');
  assertOk(await call(user, 'http://catalog:8080/catalog/internal'), 'GET /catalog/internal (the pattern needs the slash)');
  assertDenied(await call(order, 'http://catalog:8080/catalog/internal/prices'), catalog, 'GET /catalog/internal/prices');
  assertDenied(await call(user, 'http://catalog:8080/catalog/internal/prices?x=1'), catalog, 'GET /catalog/internal/prices?x=1 (the query is not part of the path)');
  assert.deepEqual(await served(catalog), ['/catalog/items', '/catalog/internal']);
});

test('`when` on a request header: only requests with x-api-key: s3cret and no revoked token pass', { timeout: 60_000 }, async () => {
  assertEnforced(await applyFiles(mesh, WHEN_HEADER), WHEN_HEADER);
  await waitForConfig(inventory, 'the inventory policy', (c) => c.inbound.authorization?.allow.length === 1);
  assertOk(await call(order, 'http://inventory:8080/stock', { headers: { 'x-api-key': 's3cret' } }), 'with the key');
  assertOk(await call(user, 'http://inventory:8080/stock', { headers: { 'x-api-key': 's3cret', 'x-token': 'fresh-1' } }), 'with the key and a good token');
  assertDenied(await call(order, 'http://inventory:8080/stock'), inventory, 'without the key');
  assertDenied(await call(order, 'http://inventory:8080/stock', { headers: { 'x-api-key': 'guess' } }), inventory, 'with a wrong key');
  assertDenied(await call(order, 'http://inventory:8080/stock', { headers: { 'x-api-key': 's3cret', 'x-token': 'revoked-9' } }), inventory, 'with a revoked token');
  assert.equal((await served(inventory)).length, 2);
});

test('a namespace-wide deny-all (spec: {}) refuses every caller of every workload in that namespace, and nothing elsewhere', { timeout: 60_000 }, async () => {
  assertOk(await call(order, 'http://vault.locked:8080/secrets'), 'before the policy');
  const applied = await applyFiles(mesh, DENY_ALL);
  assert.match(applied.stdout, /^authorizationpolicy\.security\.istio\.io\/allow-nothing created$/m);
  assertEnforced(applied, DENY_ALL);
  const config = await waitForConfig(vault, 'the deny-all policy', (c) => c.inbound.authorization !== undefined);
  assert.deepEqual(config.inbound.authorization?.allow, [{ name: 'ns[locked]-policy[allow-nothing]', rules: [] }]);
  for (const [from, method] of [[order, 'GET'], [user, 'POST'], [order, 'DELETE']] as const) {
    assertDenied(await call(from, 'http://vault.locked:8080/secrets', { method, ...(method === 'POST' ? { body: 'x' } : {}) }), vault, `${from.proxyId} ${method}`);
  }
  assertOk(await call(user, 'http://ledger:8080/ledger/entries'), 'a workload of namespace default is not affected');
  assert.deepEqual(await served(vault), ['/secrets']);
});

/** A plaintext request straight to `w`'s inbound port, as a client without a sidecar sends it (PERMISSIVE accepts it). */
function plaintext(w: Workload, host: string, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = httpRequest({ host: '127.0.0.1', port: w.ports.inbound, method, path, headers: { host }, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - start }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, headers: {}, body: '', ms: performance.now() - start, error: err.message }));
    req.end();
  });
}

test('a plaintext caller (PERMISSIVE, the default) has no principal and no namespace: principals and namespaces never match it, paths do', { timeout: 60_000 }, async () => {
  // Runs after the tests above: payment-service has the seed's policy, ledger allow-all + deny-admin, catalog namespaces: [default].
  const pay = await plaintext(payment, 'payment-service:8080', '/payments/123', 'POST');
  assertDenied(pay, payment, 'plaintext POST /payments/123 (the seed\'s principal cannot match)');
  assertOk(await plaintext(ledger, 'ledger:8080', '/ledger/plain'), 'plaintext GET /ledger/plain (ALLOW rules: [{}])');
  assertDenied(await plaintext(ledger, 'ledger:8080', '/ledger/admin'), ledger, 'plaintext GET /ledger/admin (DENY by path)');
  assertDenied(await plaintext(catalog, 'catalog:8080', '/catalog/items'), catalog, 'plaintext GET /catalog/items (namespaces never match)');
  const line = (await waitForLog(payment, 'a plaintext refusal', (l) => l.direction === 'inbound' && l.path === '/payments/123' && l.response_flags === 'RBAC'))[0];
  assert.equal(line?.response_code_details, 'rbac_access_denied_matched_policy[none]');
});
