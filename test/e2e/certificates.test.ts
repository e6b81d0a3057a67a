// Certificate lifecycle with real processes: `weft control-plane --ca-dir <root + intermediate made here> --workload-cert-ttl 4s` and two `weft run` workloads; under a steady loop of requests each sidecar rotates at least 3 times with zero failed requests, the serials each side sees of the other change, every chain verifies up to the user's root, and `weft proxy-config secret` shows it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { writeTestCa, type TestCa } from '../../src/controlplane/ca/test-ca.ts';
import type { WorkloadSecret } from '../../src/controlplane/http-api/types.ts';
import type { SecretDump } from '../../src/model/secret-dump.ts';
import { Mesh, NODE, USER_SERVICE_APP, sleep, type Workload } from './harness/mesh.ts';
import { IDLE_APP_ARGS, keepAliveAgent, send, type Reply } from './harness/traffic.ts';

const TTL = '4s';
const ROTATIONS = 3;
const MAX_RUN_MS = 60_000;
const URL = 'http://user-service:8080/users/7';

let caDir: string;
let user: TestCa;
let mesh: Mesh;
let server: Workload;
let client: Workload;

/** How many distinct serials of the other side each sidecar accepted. */
function seenSerials(server: SecretDump, client: SecretDump): { client: number; server: number } {
  return {
    client: new Set(server.peers.filter((p) => p.direction === 'inbound' && p.spiffeId.endsWith('/sa/client')).map((p) => p.serialNumber)).size,
    server: new Set(client.peers.filter((p) => p.direction === 'outbound' && p.spiffeId.endsWith('/sa/user-service')).map((p) => p.serialNumber)).size,
  };
}

async function certs(w: Workload): Promise<SecretDump> {
  const res = await fetch(`http://127.0.0.1:${w.ports.admin}/certs`, { signal: AbortSignal.timeout(5_000), headers: { connection: 'close' } });
  assert.equal(res.status, 200);
  return (await res.json()) as SecretDump;
}

/** The certificate chain a sidecar's inbound port presents, verified by Node against the user's root alone. */
function presentedChain(port: number): Promise<X509Certificate[]> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: user.rootPem, rejectUnauthorized: true, checkServerIdentity: () => undefined, minVersion: 'TLSv1.3' });
    s.on('error', () => {}); // the sidecar then refuses us (no client certificate): expected
    s.once('secureConnect', () => {
      const chain: X509Certificate[] = [];
      let c: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
      for (let i = 0; i < 5 && c !== undefined && c.raw !== undefined; i++) {
        chain.push(new X509Certificate(c.raw));
        c = c.issuerCertificate === c ? undefined : c.issuerCertificate;
      }
      s.destroy();
      resolve(chain);
    });
    s.once('close', () => reject(new Error('closed before the handshake completed')));
  });
}

before(async () => {
  caDir = await mkdtemp(join(tmpdir(), 'weft-e2e-cacerts-'));
  user = await writeTestCa(caDir);
  mesh = await Mesh.start(['--ca-dir', caDir, '--workload-cert-ttl', TTL]);
  [server, client] = await Promise.all([
    mesh.run({ service: 'user-service', version: 'v1', command: [NODE, USER_SERVICE_APP], appReady: /user-service v1 listening/ }),
    mesh.run({ service: 'client', command: [NODE, ...IDLE_APP_ARGS] }),
  ]);
});

after(async () => {
  await mesh?.close();
  await rm(caDir, { recursive: true, force: true });
});

test('rotation under steady load: zero failed requests, ≥3 rotations per side, the serials peers see change', { timeout: 150_000 }, async (t) => {
  for (let i = 0; i < 100 && (await send(client.ports.outbound, URL)).status !== 200; i++) await sleep(100);
  const failures: Reply[] = [];
  let sent = 0;
  let stop = false;
  const loops = [keepAliveAgent(1), keepAliveAgent(1), keepAliveAgent(1)].map(async (agent) => {
    while (!stop) {
      const r = await send(client.ports.outbound, URL, { agent, timeoutMs: 10_000 });
      sent++;
      if (r.status !== 200) failures.push(r);
    }
    agent.destroy();
  });
  const deadline = Date.now() + MAX_RUN_MS;
  let [s, c] = await Promise.all([certs(server), certs(client)]);
  // Until both rotated ROTATIONS times and each saw the other's new certificates (a loaded
  // machine only makes this take longer), or the deadline.
  while (Date.now() < deadline && !(s.rotations >= ROTATIONS && c.rotations >= ROTATIONS && seenSerials(s, c).client >= ROTATIONS && seenSerials(s, c).server >= 2)) {
    await sleep(500);
    [s, c] = await Promise.all([certs(server), certs(client)]);
  }
  stop = true;
  await Promise.all(loops);
  t.diagnostic(`${sent} requests; rotations: server ${s.rotations}, client ${c.rotations}`);
  assert.ok(s.rotations >= ROTATIONS && c.rotations >= ROTATIONS, `rotations: server ${s.rotations}, client ${c.rotations}`);
  assert.deepEqual(failures.map((f) => `${f.status} ${String(f.headers['x-weft-response-flags'] ?? '')} ${f.error ?? f.body}`), []);
  assert.ok(sent > 20, `steady load: ${sent}`);
  const clientSerials = new Set(s.peers.filter((p) => p.direction === 'inbound' && p.spiffeId.endsWith('/sa/client')).map((p) => p.serialNumber));
  const serverSerials = new Set(c.peers.filter((p) => p.direction === 'outbound' && p.spiffeId.endsWith('/sa/user-service')).map((p) => p.serialNumber));
  assert.equal(seenSerials(s, c).client, clientSerials.size);
  assert.ok(clientSerials.size >= ROTATIONS, `the server saw client serials ${[...clientSerials].join(' ')}; peers ${JSON.stringify(s.peers)}; client ${JSON.stringify({ ...c, peers: undefined })}`);
  assert.ok(serverSerials.size >= 2, `the client saw server serials ${[...serverSerials].join(' ')}`);
});

test('every chain verifies up to the user root through the intermediate; `weft proxy-config secret` shows it', { timeout: 60_000 }, async () => {
  const root = new X509Certificate(user.rootPem);
  const inter = new X509Certificate(user.intermediatePem);
  const chain = await presentedChain(server.ports.inbound);
  assert.ok(chain.length >= 2, `presented ${chain.length} certificates`);
  assert.equal(chain[0]!.subjectAltName, 'URI:spiffe://cluster.local/ns/default/sa/user-service');
  assert.ok(chain[0]!.verify(inter.publicKey), 'leaf signed by the intermediate');
  assert.equal(chain[1]!.fingerprint256, inter.fingerprint256);
  assert.ok(inter.verify(root.publicKey), 'intermediate signed by the root');

  const r = await mesh.weft(['proxy-config', 'secret', 'client', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const secret = JSON.parse(r.stdout) as WorkloadSecret;
  assert.equal(secret.secret.spiffeId, 'spiffe://cluster.local/ns/default/sa/client');
  assert.deepEqual(secret.secret.chain.map((x) => x.isCa), [false, true]);
  assert.equal(secret.secret.chain[1]!.fingerprint256, inter.fingerprint256);
  assert.deepEqual(secret.secret.trustBundle.map((x) => x.fingerprint256), [root.fingerprint256]);
  const life = Date.parse(secret.secret.chain[0]!.validTo) - Date.now();
  assert.ok(life <= 4_000, `4 s certificates (${life} ms left)`);
  const table = await mesh.weft(['proxy-config', 'secret', 'client']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^default\s+Cert Chain\s+ACTIVE\s+true/m);
  assert.match(table.stdout, /^ROOTCA\s+CA\s+ACTIVE\s+true/m);
});
