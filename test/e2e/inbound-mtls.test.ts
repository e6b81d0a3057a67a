// Under PeerAuthentication STRICT (the seed's policy, applied first: Istio's default is PERMISSIVE) a real sidecar's inbound port admits only mutual TLS with a mesh certificate: plaintext, a certificate from another CA and no certificate are refused; mesh clients get through, and it keeps serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { CertificateAuthority } from '../../src/controlplane/ca/index.ts';
import type { CertificateResponse } from '../../src/model/control-protocol.ts';
import { createCsr, generateWorkloadKey } from '../../src/proxy/transport/csr.ts';
import { checkServerSpiffeId } from '../../src/proxy/transport/identity.ts';
import { Mesh, NODE, USER_SERVICE_APP, waitUntil, type Workload } from './harness/mesh.ts';
import { SEED_FIXTURES, applyFiles, waitForConfig } from './harness/traffic.ts';

const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/user-service';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/order-service';
const REQUEST = 'GET /users/5 HTTP/1.1\r\nHost: user-service:8080\r\nConnection: close\r\n\r\n';
/** A refused connection must end by itself well within this. */
const TALK_TIMEOUT_MS = 5000;

interface ClientCert {
  readonly key: string;
  readonly cert: string;
}

let mesh: Mesh;
let server: Workload;
let inboundPort: number;
/** The mesh root, from the control plane's answer to a CSR: what the test clients verify the sidecar with. */
let meshRoot: string;
let meshClient: ClientCert;
let rogueDir: string;
/** The reason the sidecar logged when it refused the foreign-CA client. */
let foreignRefusal = '';

/** One HTTPS POST of `body` as JSON with a bearer token, verifying the control plane with `ca`; a fresh connection. */
function postJson(url: string, body: unknown, token: string, ca: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(url, { method: 'POST', ca, agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A key made here and a certificate for `spiffeId` signed by `sign`: exactly what a sidecar does, by hand. */
async function certificateFor(spiffeId: string, sign: (csr: string) => Promise<CertificateResponse>): Promise<ClientCert & { root: string }> {
  const key = generateWorkloadKey();
  const res = await sign(createCsr(key, spiffeId));
  return { key: key.keyPem, cert: res.certChain.join(''), root: res.trustBundle.join('') };
}

before(async () => {
  mesh = await Mesh.start();
  server = await mesh.run({ service: 'user-service', version: 'v1', command: [NODE, USER_SERVICE_APP], appReady: /user-service v1 listening/ });
  inboundPort = server.ports.inbound;
  // The seed's PeerAuthentication STRICT for namespace default (test/e2e/peer-authentication.test.ts covers the other modes).
  await applyFiles(mesh, join(SEED_FIXTURES, 'peer-authentication.yaml'));
  await waitForConfig(server, 'PeerAuthentication STRICT on its inbound port', (c) => c.inbound.mtls?.mode === 'STRICT');
  const signed = await certificateFor(CLIENT_ID, async (csr) => {
    // What a sidecar does (issue 4): a join token for its identity, then the CSR over HTTPS verified with the mesh root.
    const minted = await mesh.weft(['token', 'create', '--service-account', 'order-service', '--ttl', '5m', '-o', 'json']);
    assert.equal(minted.code, 0, minted.stderr);
    const { token } = JSON.parse(minted.stdout) as { token: string };
    const r = await postJson(`${mesh.url}/v1/certificates`, { csr }, token, await readFile(join(mesh.stateDir, 'root-cert.pem'), 'utf8'));
    assert.equal(r.status, 200, r.text);
    return JSON.parse(r.text) as CertificateResponse;
  });
  meshRoot = signed.root;
  meshClient = { key: signed.key, cert: signed.cert };
  rogueDir = await mkdtemp(join(tmpdir(), 'weft-e2e-rogue-ca-'));
});

after(async () => {
  await mesh.close();
  await rm(rogueDir, { recursive: true, force: true });
});

interface Talk {
  /** The TLS handshake completed on the client's side (in TLS 1.3 it does before the server judged the client's certificate). */
  readonly secure: boolean;
  /** Everything the server sent (after decryption, for TLS). */
  readonly data: string;
  readonly error: Error | null;
}

/** Connects, sends REQUEST (at once for plain TCP, after the handshake for TLS) and collects what comes back until the connection closes. */
function talk(opts: { tls: tls.ConnectionOptions } | { plain: true }): Promise<Talk> {
  return new Promise((resolve, reject) => {
    const socket = 'plain' in opts
      ? net.connect(inboundPort, '127.0.0.1', () => socket.write(REQUEST))
      : tls.connect({ host: '127.0.0.1', port: inboundPort, ...opts.tls }, () => { secure = true; socket.write(REQUEST); });
    let secure = false;
    let error: Error | null = null;
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => { error = err; });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the connection to the inbound port ${inboundPort} was still open after ${TALK_TIMEOUT_MS} ms; received: ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))}`));
    }, TALK_TIMEOUT_MS);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ secure, data: Buffer.concat(chunks).toString('latin1'), error });
    });
  });
}

/** What a mesh client checks of the sidecar: the chain up to the mesh root, and its SPIFFE id. */
function verifyingServer(): tls.ConnectionOptions {
  return { ca: meshRoot, checkServerIdentity: checkServerSpiffeId(SERVER_ID), minVersion: 'TLSv1.3' };
}

/** The reasons of the sidecar's "inbound connection refused" warnings so far (its JSON log on stderr). */
function refusals(): string[] {
  const reasons: string[] = [];
  for (const line of server.output().stderr.split('\n')) {
    if (!line.includes('inbound connection refused')) continue;
    try {
      reasons.push(String((JSON.parse(line) as { reason?: unknown }).reason ?? ''));
    } catch {
      reasons.push(line);
    }
  }
  return reasons;
}

/** The reason of refusal number `index` (0-based), once the sidecar has logged it. */
function refusal(index: number, what: string): Promise<string> {
  return waitUntil(`the sidecar never logged the refusal of ${what}`, async () => {
    const r = refusals();
    return r.length > index ? { done: true, value: r[index] ?? '' } : { done: false, last: `${r.length} refusals logged: ${r.join(' | ')}` };
  }, 5000, 50);
}

function assertRefused(t: Talk, what: string): void {
  assert.doesNotMatch(t.data, /HTTP\/1\.[01]/, `${what}: no HTTP response`);
  assert.doesNotMatch(t.data, /user-service|Grace|Ada/, `${what}: nothing of the app`);
}

function assertServed(t: Talk, what: string): void {
  assert.equal(t.error, null, `${what}: ${String(t.error)}`);
  assert.match(t.data, /^HTTP\/1\.1 200 /, `${what}: ${t.data.slice(0, 300)}`);
  const body = JSON.parse(t.data.slice(t.data.indexOf('\r\n\r\n') + 4)) as { id: number; servedBy: unknown };
  assert.deepEqual({ id: body.id, servedBy: body.servedBy }, { id: 5, servedBy: { service: 'user-service', version: 'v1' } }, what);
}

test('the inbound port under test is the one the registry advertises for the workload', async () => {
  const r = await mesh.weft(['get', 'workloads', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { items: { name: string; ports: { port: number; targetPort: number }[] }[] };
  const item = list.items.find((w) => `${w.name}.default` === server.proxyId);
  assert.ok(item, `${server.proxyId} in ${r.stdout}`);
  assert.deepEqual(item.ports.map((p) => [p.port, p.targetPort]), [[8080, inboundPort]]);
  const dump = await server.configDump();
  assert.equal(dump.listeners.inbound, `127.0.0.1:${inboundPort}`);
  assert.equal(dump.certificate.spiffeId, SERVER_ID);
});

test('a plaintext HTTP request gets no HTTP response: the connection is closed', async () => {
  const seen = refusals().length;
  const t = await talk({ plain: true });
  assertRefused(t, 'plaintext');
  assert.match(await refusal(seen, 'a plaintext request'), /http request|wrong version number|record/i, 'the sidecar logged a TLS record error');
  const raw = Buffer.from(t.data, 'latin1');
  // Nothing, or a TLS alert record (content type 21) — never application bytes.
  assert.ok(raw.length === 0 || raw[0] === 0x15, `only a TLS alert, if anything (got ${raw.toString('hex').slice(0, 32)})`);
});

test('a client whose certificate another CA signed (same trust domain, same identity) is refused', async () => {
  const rogue = await CertificateAuthority.loadOrCreate({ dir: rogueDir, trustDomain: 'cluster.local' });
  const forged = await certificateFor(CLIENT_ID, (csr) => rogue.sign({ csr }));
  assert.notEqual(forged.root, meshRoot, 'a different root');
  const seen = refusals().length;
  const t = await talk({ tls: { key: forged.key, cert: forged.cert, ...verifyingServer() } });
  assertRefused(t, 'foreign CA');
  foreignRefusal = await refusal(seen, 'a certificate from another CA');
  // TLS 1.3: the client may finish its half of the handshake before the server rejects its
  // certificate; then the server's alert or close arrives instead of any response.
  assert.ok(t.error !== null || t.data === '', `refused with an alert or a bare close (error: ${String(t.error)})`);
});

test('the sidecar\'s warning for the foreign certificate says why: its chain does not verify', () => {
  // An operator reading "inbound connection refused" needs the cause; Node's verify error
  // (socket.authorizationError, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE) has it.
  assert.match(foreignRefusal, /verify|issuer|self[- ]signed|UNABLE_TO/i, `the logged reason was "${foreignRefusal}"`);
});

test('a TLS client without a certificate is refused', async () => {
  const seen = refusals().length;
  const t = await talk({ tls: verifyingServer() });
  assertRefused(t, 'no certificate');
  assert.match(await refusal(seen, 'a client without a certificate'), /did not return a certificate|certificate required/i);
  assert.ok(t.error !== null || t.data === '', `refused with an alert or a bare close (error: ${String(t.error)})`);
});

test('a client with a mesh certificate gets through: a second sidecar, and a TLS client holding a certificate the control plane signed', async () => {
  // The sidecar of an unmodified curl sends its request over mTLS to user-service's inbound port.
  const viaSidecar = await mesh.runToEnd({ service: 'order-service', command: ['curl', '-sS', '--fail', 'http://user-service:8080/users/5'] });
  assert.equal(viaSidecar.code, 0, `curl through its sidecar\nstdout:\n${viaSidecar.stdout}\nstderr:\n${viaSidecar.stderr}`);
  assert.deepEqual((JSON.parse(viaSidecar.stdout) as { servedBy: unknown }).servedBy, { service: 'user-service', version: 'v1' });
  // The same hand-made client as in the refusals above, now with a certificate from the mesh CA.
  assertServed(await talk({ tls: { ...meshClient, ...verifyingServer() } }), 'mesh certificate');
});

test('after the refusals the sidecar still serves, and it logged each refusal', async () => {
  for (let i = 0; i < 5; i++) {
    assertRefused(await talk({ plain: true }), `plaintext #${i}`);
    assertRefused(await talk({ tls: verifyingServer() }), `no certificate #${i}`);
  }
  assertServed(await talk({ tls: { ...meshClient, ...verifyingServer() } }), 'mesh certificate after the refusals');
  assert.equal(server.exited, false, 'weft run is still running');
  // One warning per refused connection: 3 in the tests above, 10 here.
  await refusal(12, 'the 13th refused connection');
  assert.equal(refusals().length, 13);
});
