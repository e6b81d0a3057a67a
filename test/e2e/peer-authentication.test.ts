// PeerAuthentication and auto mTLS end to end: the seed's STRICT policy verbatim refuses a client without a sidecar (plain curl) while sidecars keep talking over mTLS; PERMISSIVE and DISABLE serve plain curl; under DISABLE sidecars talk plaintext (no peer identity reaches the app or the access log); namespace and workload policies override the mesh-wide one; portLevelMtls overrides per service port; DestinationRule tls.mode DISABLE makes the client send plaintext, which a STRICT server refuses (503 UC).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { MtlsMode, ProxyConfig } from '../../src/model/proxy-config.ts';
import { E2E_APPS, Mesh, NODE, type Workload } from './harness/mesh.ts';
import { IDLE_APP_ARGS, SEED_FIXTURES, applyYaml, assertEnforced, send, sha256, summary, waitForConfig, waitForLog } from './harness/traffic.ts';

/** Seed lines 267–274 ("mTLS (Mutual TLS) - автоматическое шифрование"), byte for byte. */
const SEED_MTLS = join(SEED_FIXTURES, 'peer-authentication.yaml');
const SEED_MTLS_SHA256 = '3d1d9efb77b39ae2872e6923b9aa59a64e69ed0fd1ae131278752e4c417f34e6';
const ORDER_ID = 'spiffe://cluster.local/ns/default/sa/order-service';
const URL_USERS = 'http://user-service:8080/users/7';

let mesh: Mesh;
let server: Workload;
let client: Workload;

before(async () => {
  mesh = await Mesh.start();
  server = await mesh.run({ service: 'user-service', version: 'v1', command: [NODE, join(E2E_APPS, 'peer-echo.ts')], env: { NAME: 'users' }, accessLog: 'stderr', appReady: /peer-echo users up/ });
  client = await mesh.run({ service: 'order-service', version: 'v1', command: [NODE, ...IDLE_APP_ARGS] });
  await client.waitForEndpoints({ 'outbound|8080||user-service.default.svc.cluster.local': 1 });
});

after(async () => {
  await mesh.close();
});

interface Curl {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A client without a sidecar: plain curl straight to user-service's inbound port. */
function curlInbound(): Promise<Curl> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-m', '5', `http://127.0.0.1:${server.ports.inbound}/users/7`], (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

function assertCurlServed(c: Curl, what: string): void {
  assert.equal(c.code, 0, `${what}: curl exited ${c.code}: ${c.stderr}`);
  const body = JSON.parse(c.stdout) as { app: string; xfcc: unknown };
  assert.deepEqual(body, { app: 'peer-echo', name: 'users', xfcc: null }, `${what}: served, and no peer identity reached the app`);
}

function assertCurlRefused(c: Curl, what: string): void {
  // 52: empty reply; 56: connection reset; 35: TLS trouble. Never an HTTP answer.
  assert.notEqual(c.code, 0, `${what}: curl got ${c.stdout}`);
  assert.doesNotMatch(c.stdout, /peer-echo/, what);
}

/** One request order-service → user-service through both sidecars; the app's view of the caller. */
async function viaSidecars(what: string, url = URL_USERS): Promise<{ xfcc: string | null }> {
  const r = await send(client.ports.outbound, url);
  assert.equal(r.status, 200, `${what}: ${summary(r)}`);
  return JSON.parse(r.body) as { xfcc: string | null };
}

const inboundMode = (c: ProxyConfig): MtlsMode => c.inbound.mtls?.mode ?? 'PERMISSIVE';
const userEndpoints = (c: ProxyConfig) => c.clusters.find((cl) => cl.name === 'outbound|8080||user-service.default.svc.cluster.local')?.endpoints ?? [];

/** Applies `yaml` and waits until the server's sidecar enforces `mode` and the client's endpoint view agrees (plaintext only under DISABLE). */
async function applyAndWait(yaml: string, mode: MtlsMode, what: string): Promise<void> {
  assertEnforced(await applyYaml(mesh, yaml), what);
  await settle(mode, what);
}

async function settle(mode: MtlsMode, what: string): Promise<void> {
  await waitForConfig(server, `inbound mode ${mode} (${what})`, (c) => inboundMode(c) === mode);
  const plaintextOnly = mode === 'DISABLE';
  await waitForConfig(client, `user-service's endpoint with mtls ${!plaintextOnly} (${what})`, (c) => userEndpoints(c).length === 1 && userEndpoints(c).every((e) => (e.mtls !== false) === !plaintextOnly));
}

function policy(name: string, namespace: string, body: string): string {
  return `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n${body}`;
}

async function deleteYaml(yaml: string): Promise<void> {
  const r = await mesh.weft(['delete', '-f', '-'], undefined, yaml);
  assert.equal(r.code, 0, `weft delete: ${r.stderr}`);
}

test('with no PeerAuthentication the inbound port is PERMISSIVE (Istio\'s default): plain curl is served, sidecars use mTLS', async () => {
  assert.equal(inboundMode((await waitForConfig(server, 'a config', () => true))), 'PERMISSIVE');
  assertCurlServed(await curlInbound(), 'plain curl, no policy');
  const seen = await viaSidecars('sidecar to sidecar, no policy');
  assert.match(seen.xfcc ?? '', new RegExp(`URI=${ORDER_ID}$`), 'auto mTLS: the server sidecar saw the client\'s SPIFFE id');
});

test('the seed\'s PeerAuthentication STRICT, verbatim: plain curl is refused; sidecar to sidecar still works over mTLS', async () => {
  assert.equal(await sha256(SEED_MTLS), SEED_MTLS_SHA256, `${SEED_MTLS} is no longer the seed's YAML byte for byte`);
  const r = await mesh.weft(['apply', '-f', SEED_MTLS]);
  assert.equal(r.code, 0, r.stderr);
  assertEnforced(r, 'the seed\'s PeerAuthentication');
  assert.match(r.stdout, /peerauthentication\.security\.istio\.io\/default (created|configured)/);
  await settle('STRICT', 'seed STRICT');
  assertCurlRefused(await curlInbound(), 'plain curl under STRICT');
  const seen = await viaSidecars('sidecar to sidecar under STRICT');
  assert.match(seen.xfcc ?? '', new RegExp(`URI=${ORDER_ID}$`));
  const get = await mesh.weft(['get', 'pa', '-n', 'default']);
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /default/);
});

test('PERMISSIVE in the namespace: plain curl is served and sidecars keep mTLS', async () => {
  await applyAndWait(policy('default', 'default', '  mtls:\n    mode: PERMISSIVE\n'), 'PERMISSIVE', 'namespace PERMISSIVE');
  assertCurlServed(await curlInbound(), 'plain curl under PERMISSIVE');
  const seen = await viaSidecars('sidecar to sidecar under PERMISSIVE');
  assert.match(seen.xfcc ?? '', new RegExp(`URI=${ORDER_ID}$`), 'the client sidecar still chose mTLS');
});

test('DISABLE: plain curl is served; the client sidecar sends plaintext (auto mTLS) and no peer identity reaches the app or the access log', async () => {
  await applyAndWait(policy('default', 'default', '  mtls:\n    mode: DISABLE\n'), 'DISABLE', 'namespace DISABLE');
  assertCurlServed(await curlInbound(), 'plain curl under DISABLE');
  const seen = await viaSidecars('sidecar to sidecar under DISABLE', 'http://user-service:8080/users/plaintext');
  assert.equal(seen.xfcc, null, 'plaintext: no x-forwarded-client-cert');
  const [line] = await waitForLog(server, 'for the plaintext request', (l) => l.path === '/users/plaintext');
  assert.ok(line !== undefined);
  assert.equal((line as unknown as Record<string, unknown>)['downstream_peer_identity'], undefined, `no peer identity in ${JSON.stringify(line)}`);
});

test('namespace- and workload-level policies override the mesh-wide one in the root namespace', async () => {
  // Mesh-wide STRICT, namespace DISABLE: the namespace wins.
  await applyYaml(mesh, policy('default', 'istio-system', '  mtls:\n    mode: STRICT\n'));
  await settle('DISABLE', 'mesh STRICT under namespace DISABLE');
  assertCurlServed(await curlInbound(), 'namespace DISABLE over mesh STRICT');
  // Namespace UNSET inherits the mesh's STRICT.
  await applyAndWait(policy('default', 'default', '  mtls:\n    mode: UNSET\n'), 'STRICT', 'namespace UNSET under mesh STRICT');
  assertCurlRefused(await curlInbound(), 'mesh STRICT inherited');
  await viaSidecars('sidecar to sidecar under mesh STRICT');
  // A workload policy for user-service beats both.
  const workload = policy('user-service', 'default', '  selector:\n    matchLabels:\n      app: user-service\n  mtls:\n    mode: PERMISSIVE\n');
  await applyAndWait(workload, 'PERMISSIVE', 'workload PERMISSIVE');
  assertCurlServed(await curlInbound(), 'workload PERMISSIVE over mesh STRICT');
  await deleteYaml(workload);
  await settle('STRICT', 'workload policy deleted');
  assertCurlRefused(await curlInbound(), 'back to the mesh-wide STRICT');
});

test('portLevelMtls overrides per service port: DISABLE on 8080 serves plain curl, an override for another port changes nothing', async () => {
  const other = policy('user-service', 'default', '  selector:\n    matchLabels:\n      app: user-service\n  mtls:\n    mode: STRICT\n  portLevelMtls:\n    9090:\n      mode: DISABLE\n');
  assertEnforced(await applyYaml(mesh, other), 'portLevelMtls on 9090');
  await waitForConfig(server, 'the port-level override for 9090', (c) => c.inbound.mtls?.portModes?.some((p) => p.port === 9090) === true);
  assertCurlRefused(await curlInbound(), 'STRICT on 8080, DISABLE only on 9090');
  const own = policy('user-service', 'default', '  selector:\n    matchLabels:\n      app: user-service\n  mtls:\n    mode: STRICT\n  portLevelMtls:\n    8080:\n      mode: DISABLE\n');
  await applyYaml(mesh, own);
  await waitForConfig(server, 'the port-level override for 8080', (c) => c.inbound.mtls?.portModes?.some((p) => p.port === 8080 && p.mode === 'DISABLE') === true);
  await waitForConfig(client, 'user-service\'s endpoint taking plaintext on 8080', (c) => userEndpoints(c).every((e) => e.mtls === false));
  assertCurlServed(await curlInbound(), 'port 8080 DISABLE');
  assert.equal((await viaSidecars('sidecar to sidecar, port 8080 DISABLE')).xfcc, null, 'auto mTLS followed the port-level mode');
  await deleteYaml(own);
  await settle('STRICT', 'port-level policy deleted');
});

test('DestinationRule tls.mode DISABLE overrides auto mTLS: the client sends plaintext, the STRICT server refuses it (503 UC); ISTIO_MUTUAL brings mTLS back', async () => {
  const dr = (mode: string) => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: user-service\n  namespace: default\nspec:\n  host: user-service\n  trafficPolicy:\n    tls:\n      mode: ${mode}\n`;
  assertEnforced(await applyYaml(mesh, dr('DISABLE')), 'DestinationRule tls DISABLE');
  await waitForConfig(client, 'the user-service cluster with transport DISABLE', (c) => c.clusters.some((cl) => cl.name === 'outbound|8080||user-service.default.svc.cluster.local' && cl.transport === 'DISABLE'));
  const r = await send(client.ports.outbound, URL_USERS);
  assert.equal(r.status, 503, summary(r));
  assert.equal(r.headers['x-weft-response-flags'], 'UC', summary(r));
  await applyYaml(mesh, dr('ISTIO_MUTUAL'));
  await waitForConfig(client, 'the user-service cluster with transport ISTIO_MUTUAL', (c) => c.clusters.some((cl) => cl.name === 'outbound|8080||user-service.default.svc.cluster.local' && cl.transport === 'ISTIO_MUTUAL'));
  assert.match((await viaSidecars('DestinationRule ISTIO_MUTUAL under STRICT')).xfcc ?? '', new RegExp(`URI=${ORDER_ID}$`));
});
