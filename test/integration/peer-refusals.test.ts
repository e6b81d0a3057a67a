// Peer certificates that are expired, not yet valid, from another CA, or without a SPIFFE id of this trust domain are refused on both sides — by a real sidecar's inbound listener and by the outbound connector (MeshTls.connect) — each with a log line saying which; a good peer still gets through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createRootPems, parseRoot, type RootCa } from '../../src/controlplane/ca/root.ts';
import { issueLeaf } from '../../src/controlplane/ca/sign.ts';
import { x509 } from '../../src/lib/x509.ts';
import { generateWorkloadKey } from '../../src/proxy/transport/csr.ts';
import type { Refusal } from '../../src/proxy/transport/refusal.ts';
import { MeshTls } from '../../src/proxy/transport/tls.ts';
import type { RunningProxy } from '../../src/proxy/options.ts';
import { capturingLogger, sleep, startApp, startCp, startSidecar, tempDir, type ControlPlane } from './security-harness.ts';

const TD = 'cluster.local';
const HOUR = 3_600_000;
const GOOD_ID = 'spiffe://cluster.local/ns/default/sa/order-service';

let dir: string;
let cp: ControlPlane;
let meshRoot: RootCa;
let rogueRoot: RootCa;
let app: Awaited<ReturnType<typeof startApp>>;
let server: RunningProxy;
const serverLog = capturingLogger();

interface Material { readonly key: string; readonly cert: string }

/** A key and a leaf for `uri` signed by `root`, issued as if at `issuedAt` for `ttlMs`. */
async function leaf(root: RootCa, uri: string, issuedAt = Date.now(), ttlMs = HOUR): Promise<Material> {
  const k = generateWorkloadKey();
  const issued = await issueLeaf({ root, publicKey: new x509.PublicKey(k.spki), spiffeUri: uri, now: issuedAt, ttlMs });
  return { key: k.keyPem, cert: issued.pem };
}

/** The kinds of bad peer certificate, and the words the log must carry for each. */
async function badPeers(): Promise<readonly { name: string; material: Material; words: RegExp }[]> {
  return [
    { name: 'expired', material: await leaf(meshRoot, GOOD_ID, Date.now() - 3 * HOUR, HOUR), words: /peer certificate expired/ },
    { name: 'not yet valid', material: await leaf(meshRoot, GOOD_ID, Date.now() + 3 * HOUR, HOUR), words: /peer certificate not yet valid/ },
    { name: 'another CA', material: await leaf(rogueRoot, GOOD_ID), words: /peer certificate from another CA/ },
    { name: 'another trust domain', material: await leaf(meshRoot, 'spiffe://evil.example/ns/default/sa/order-service'), words: /peer SPIFFE id is not of this trust domain/ },
    { name: 'no SPIFFE id', material: await leaf(meshRoot, 'https://example.com/not-spiffe'), words: /peer certificate has no SPIFFE id/ },
  ];
}

before(async () => {
  dir = await tempDir('weft-refusals-');
  cp = await startCp(path.join(dir, 'state'));
  const caDir = path.join(cp.stateDir, 'ca');
  meshRoot = await parseRoot(fs.readFileSync(path.join(caDir, 'root-cert.pem'), 'utf8'), fs.readFileSync(path.join(caDir, 'root-key.pem'), 'utf8'), { now: Date.now(), source: caDir });
  const rogue = await createRootPems({ trustDomain: TD, now: Date.now() });
  rogueRoot = await parseRoot(rogue.certPem, rogue.keyPem, { now: Date.now(), source: 'rogue' });
  app = await startApp();
  server = await startSidecar(cp, { service: 'user-service', appPort: app.port, logger: serverLog.logger });
});

after(async () => {
  await server?.drain(100);
  app?.close();
  await cp?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Connects to the sidecar's inbound port with `m`, sends a request, and reports whether an HTTP answer came back. */
function talk(m: Material): Promise<{ answered: boolean; text: string }> {
  return new Promise((resolve) => {
    let text = '';
    const s = tls.connect({ host: '127.0.0.1', port: server.inboundPort, key: m.key, cert: m.cert, ca: meshRoot.certPem, checkServerIdentity: () => undefined, minVersion: 'TLSv1.3' });
    const timer = setTimeout(() => s.destroy(), 5_000);
    s.on('secureConnect', () => s.write('GET /x HTTP/1.1\r\nHost: user-service:8080\r\nConnection: close\r\n\r\n'));
    s.on('data', (c: Buffer) => { text += c.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ answered: text.startsWith('HTTP/1.1 '), text });
    });
  });
}

test('inbound: each bad client certificate is refused, with the reason logged; a good one is served', async () => {
  const good = await talk(await leaf(meshRoot, GOOD_ID));
  assert.ok(good.answered && /^HTTP\/1\.1 200 /.test(good.text), good.text.slice(0, 200));
  for (const bad of await badPeers()) {
    const before = serverLog.lines.length;
    const r = await talk(bad.material);
    assert.equal(r.answered, false, `${bad.name}: served ${r.text.slice(0, 100)}`);
    await sleep(50);
    const refusals = serverLog.lines.slice(before).filter((l) => /inbound connection refused/.test(String(l.msg)));
    assert.equal(refusals.length, 1, `${bad.name}: ${JSON.stringify(serverLog.lines.slice(before))}`);
    assert.match(String(refusals[0]!.reason), bad.words, `${bad.name}: ${String(refusals[0]!.reason)}`);
  }
});

test('outbound: a peer presenting each bad certificate is refused by the client side, with the reason', async () => {
  // The client side: a MeshTls with a good certificate from the mesh CA, as a sidecar holds it.
  const mine = await leaf(meshRoot, GOOD_ID);
  const client = new MeshTls(TD);
  client.update({ keyPem: mine.key, certChainPem: mine.cert, trustBundlePem: meshRoot.certPem });
  const refusals: Refusal[] = [];
  client.onOutboundRefused = (r) => refusals.push(r);

  const peerId = 'spiffe://cluster.local/ns/default/sa/user-service';
  const cases = [
    ...(await badPeers()).map((b) => ({ ...b, expect: peerId })),
    { name: 'another identity', material: await leaf(meshRoot, 'spiffe://cluster.local/ns/default/sa/impostor'), words: /peer is not the identity expected/, expect: peerId },
  ];
  for (const c of cases) {
    const srv = tls.createServer({ key: c.material.key, cert: c.material.cert, ca: meshRoot.certPem, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, (s) => s.end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    refusals.length = 0;
    await assert.rejects(client.connect('127.0.0.1', port, c.expect, 5_000), c.name);
    srv.close();
    assert.equal(refusals.length, 1, `${c.name}: ${JSON.stringify(refusals)}`);
    assert.match(refusals[0]!.reason, c.words, `${c.name}: ${refusals[0]!.reason}`);
  }
  // And a good peer is accepted and remembered.
  const good = await leaf(meshRoot, peerId);
  const srv = tls.createServer({ key: good.key, cert: good.cert, ca: meshRoot.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (s) => s.end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const sock = await client.connect('127.0.0.1', (srv.address() as AddressInfo).port, peerId, 5_000);
  sock.destroy();
  srv.close();
  assert.equal(client.peers.list().at(-1)?.spiffeId, peerId);
});
