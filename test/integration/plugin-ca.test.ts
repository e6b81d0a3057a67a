// Plug-in CA end to end: a root and an intermediate made here in Istio's cacerts layout; the control plane signs with the intermediate, two sidecars talk mTLS, each sidecar's chain (read from its /certs, through the control plane's secret route and `weft proxy-config secret`) verifies up to that root; a broken layout stops the control plane at start with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkloadSecret } from '../../src/controlplane/http-api/types.ts';
import { writeTestCa, type TestCa } from '../../src/controlplane/ca/test-ca.ts';
import type { RunningProxy } from '../../src/proxy/options.ts';
import { startWeft } from '../cli/harness.ts';
import { certsOf, cpGet, startApp, startCp, startSidecar, tempDir, untilOk, type ControlPlane } from './security-harness.ts';

let dir: string;
let user: TestCa;
let cp: ControlPlane;
let app: Awaited<ReturnType<typeof startApp>>;
let server: RunningProxy;
let client: RunningProxy;

before(async () => {
  dir = await tempDir('weft-plugin-ca-');
  user = await writeTestCa(path.join(dir, 'cacerts'));
  cp = await startCp(path.join(dir, 'state'), { caDir: path.join(dir, 'cacerts') });
  app = await startApp();
  server = await startSidecar(cp, { service: 'user-service', appPort: app.port });
  client = await startSidecar(cp, { service: 'order-service', appPort: 1 });
});

after(async () => {
  await client?.drain(100);
  await server?.drain(100);
  app?.close();
  await cp?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Leaf → intermediate → the user's root, each link signed by the next. */
function assertChainsToUserRoot(chainPems: readonly string[], what: string): void {
  const root = new X509Certificate(user.rootPem);
  const chain = chainPems.map((p) => new X509Certificate(p));
  assert.equal(chain.length, 2, `${what}: leaf + intermediate`);
  assert.ok(chain[0]!.checkIssued(chain[1]!) && chain[0]!.verify(chain[1]!.publicKey), `${what}: leaf signed by the intermediate`);
  assert.ok(chain[1]!.checkIssued(root) && chain[1]!.verify(root.publicKey), `${what}: intermediate signed by the user's root`);
  assert.equal(chain[1]!.fingerprint256, new X509Certificate(user.intermediatePem).fingerprint256);
}

test('sidecars get certificates from the intermediate, trust the user root, and talk mTLS', async () => {
  const r = await untilOk(client.outboundPort, 'http://user-service:8080/plugged');
  assert.equal(r.status, 200, r.body);
  assert.match(JSON.parse(r.body).xfcc, /URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/order-service/);

  for (const [p, id] of [[server, 'user-service'], [client, 'order-service']] as const) {
    const s = await certsOf(p);
    assert.equal(s.spiffeId, `spiffe://cluster.local/ns/default/sa/${id}`);
    assert.equal(s.chain.length, 2);
    assert.equal(s.chain[0]!.spiffeId, s.spiffeId);
    assert.equal(s.chain[0]!.issuer, 'CN=Test Corp Mesh Intermediate CA, O=Test Corp');
    assert.equal(s.chain[1]!.isCa, true);
    assert.deepEqual(s.trustBundle.map((c) => c.fingerprint256), [new X509Certificate(user.rootPem).fingerprint256]);
    assert.ok(s.nextRenewalAt !== null && Date.parse(s.nextRenewalAt) > Date.now());
  }
  // The peers each side accepted were issued under the same intermediate.
  const seen = (await certsOf(server)).peers.filter((p) => p.direction === 'inbound');
  assert.ok(seen.some((p) => p.spiffeId === 'spiffe://cluster.local/ns/default/sa/order-service'));
});

test('the control plane relays each sidecar\'s /certs; the PEMs a CSR gets verify up to the user root', async () => {
  const r = await cpGet(cp, '/v1/workloads/default/user-service-v1-test/secret');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const body = r.json as WorkloadSecret;
  assert.equal(body.workload, 'user-service-v1-test');
  assert.equal(body.secret.spiffeId, 'spiffe://cluster.local/ns/default/sa/user-service');
  assert.equal(body.secret.chain[0]!.serialNumber, (await certsOf(server)).chain[0]!.serialNumber);
  const missing = await cpGet(cp, '/v1/workloads/default/nobody/secret');
  assert.equal(missing.status, 404);
  assert.equal((missing.json as { error: { code: string } }).error.code, 'WEFT_WORKLOAD_UNKNOWN');

  // The chain in the CA's answer itself (what the sidecar installed), fetched as a sidecar would.
  const { generateWorkloadKey, createCsr } = await import('../../src/proxy/transport/csr.ts');
  const { CertificateAuthority } = await import('../../src/controlplane/ca/index.ts');
  const ca = await CertificateAuthority.loadOrCreate({ dir: path.join(dir, 'unused'), pluginDir: path.join(dir, 'cacerts'), trustDomain: 'cluster.local' });
  const res = await ca.sign({ csr: createCsr(generateWorkloadKey(), 'spiffe://cluster.local/ns/default/sa/x') });
  assertChainsToUserRoot(res.certChain, 'CA answer');
});

test('`weft proxy-config secret` shows the chain, SPIFFE id, serials and the trust bundle (table and -o json)', async () => {
  const run = async (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const p = startWeft(['proxy-config', 'secret', ...args, '--control-plane', cp.url, '--state-dir', cp.stateDir]);
    return p.done;
  };
  const json = await run(['user-service', '-o', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const s = JSON.parse(json.stdout) as WorkloadSecret;
  assert.equal(s.secret.spiffeId, 'spiffe://cluster.local/ns/default/sa/user-service');
  assert.equal(s.secret.chain.length, 2);
  const table = await run(['user-service-v1-test.default']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /SPIFFE ID: spiffe:\/\/cluster\.local\/ns\/default\/sa\/user-service/);
  assert.match(table.stdout, /^default\s+Cert Chain\s+ACTIVE\s+true\s+[0-9A-F]+\s/m);
  assert.match(table.stdout, /^default\s+Intermediate\s+ACTIVE/m);
  assert.match(table.stdout, /^ROOTCA\s+CA\s+ACTIVE\s+true/m);
  assert.ok(table.stdout.includes(s.secret.chain[0]!.serialNumber));
  const none = await run(['nobody']);
  assert.equal(none.code, 4, none.stderr);
  assert.match(none.stderr, /no workload nobody/);
});

test('a plug-in CA whose key does not match refuses to start, naming the file', async () => {
  const bad = path.join(dir, 'bad-cacerts');
  await writeTestCa(bad, { wrongKey: true });
  await assert.rejects(startCp(path.join(dir, 'state2'), { caDir: bad }), (err: unknown) => {
    assert.equal((err as { code?: string }).code, 'WEFT_CA_PLUGIN_INVALID');
    assert.match((err as Error).message, /ca-key\.pem does not belong/);
    return true;
  });
});
