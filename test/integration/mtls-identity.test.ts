// Real mutual TLS on 127.0.0.1 between two workloads whose certificates the CA signed: who gets in, and who each side sees.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { CertificateAuthority } from '../../src/controlplane/ca/index.ts';
import { CertificateManager, type CertificateBundle } from '../../src/proxy/transport/certificates.ts';
import { checkServerSpiffeId, peerIdentity, PeerIdentityError, type PeerIdentity } from '../../src/proxy/transport/identity.ts';

const TD = 'cluster.local';
const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/user-service';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/order-service';

async function newCa(t: TestContext): Promise<CertificateAuthority> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-mtls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return CertificateAuthority.loadOrCreate({ dir, trustDomain: TD });
}

async function workload(t: TestContext, ca: CertificateAuthority, spiffeId: string): Promise<CertificateManager> {
  const mgr = new CertificateManager({ spiffeId, request: (req) => ca.sign(req) });
  t.after(() => mgr.stop());
  await mgr.start();
  return mgr;
}

function context(b: CertificateBundle): { key: string; cert: string; ca: string } {
  return { key: b.keyPem, cert: b.certChainPem, ca: b.trustBundlePem };
}

interface Server {
  readonly port: number;
  readonly server: tls.Server;
  /** Identities of the clients that completed the handshake. */
  readonly accepted: (PeerIdentity | null)[];
  readonly clientErrors: Error[];
}

/** An inbound listener in miniature: mTLS required, answers each client with the principal it saw. */
async function startServer(t: TestContext, bundle: CertificateBundle): Promise<Server> {
  const accepted: (PeerIdentity | null)[] = [];
  const clientErrors: Error[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ ...context(bundle), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (socket) => {
    const peer = peerIdentity(socket);
    accepted.push(peer);
    socket.end(`hello ${peer?.principal ?? 'nobody'}\n`);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (err) => clientErrors.push(err));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, 'close');
  });
  return { port: (server.address() as net.AddressInfo).port, server, accepted, clientErrors };
}

/** Connects and collects everything received until the connection ends; never throws. */
async function talk(port: number, opts: tls.ConnectionOptions): Promise<{ secure: boolean; serverPeer: PeerIdentity | null; data: string; error: Error | null }> {
  const socket = tls.connect({ host: '127.0.0.1', port, ...opts });
  let data = '';
  let secure = false;
  let serverPeer: PeerIdentity | null = null;
  let error: Error | null = null;
  socket.setEncoding('utf8');
  socket.on('secureConnect', () => {
    secure = true;
    serverPeer = peerIdentity(socket);
  });
  socket.on('data', (chunk: string) => (data += chunk));
  socket.on('error', (err) => (error = err));
  // Not events.once: it rejects on 'error', and errors are what some of these tests expect.
  await new Promise((resolve) => socket.on('close', resolve));
  return { secure, serverPeer, data, error };
}

test('two workloads with CA-signed certificates complete mutual TLS, and each reads the other\'s SPIFFE id', async (t) => {
  const ca = await newCa(t);
  const serverMgr = await workload(t, ca, SERVER_ID);
  const clientMgr = await workload(t, ca, CLIENT_ID);
  const srv = await startServer(t, serverMgr.current());

  const res = await talk(srv.port, { ...context(clientMgr.current()), checkServerIdentity: checkServerSpiffeId(SERVER_ID) });
  assert.equal(res.error, null);
  assert.equal(res.secure, true);
  assert.equal(res.data, 'hello cluster.local/ns/default/sa/order-service\n');
  assert.equal(res.serverPeer?.spiffeId, SERVER_ID, 'the client sees the server identity');
  assert.equal(res.serverPeer?.principal, 'cluster.local/ns/default/sa/user-service');
  assert.equal(srv.accepted.length, 1);
  assert.equal(srv.accepted[0]?.spiffeId, CLIENT_ID, 'the server sees the client identity');
  assert.deepEqual(srv.accepted[0]?.id, { trustDomain: TD, namespace: 'default', serviceAccount: 'order-service' });
});

test('a client expecting another server identity refuses the connection (WEFT_TLS_PEER_IDENTITY)', async (t) => {
  const ca = await newCa(t);
  const srv = await startServer(t, (await workload(t, ca, SERVER_ID)).current());
  const clientMgr = await workload(t, ca, CLIENT_ID);
  const res = await talk(srv.port, { ...context(clientMgr.current()), checkServerIdentity: checkServerSpiffeId('spiffe://cluster.local/ns/default/sa/payment-service') });
  assert.ok(res.error instanceof PeerIdentityError, String(res.error));
  assert.equal(res.data, '');
});

test('a client whose certificate another CA signed is refused, and learns nothing from the app', async (t) => {
  const ca = await newCa(t);
  const rogueCa = await newCa(t);
  const srv = await startServer(t, (await workload(t, ca, SERVER_ID)).current());
  // Same claimed identity, same trust domain, but signed by a root the server does not trust.
  const rogue = await workload(t, rogueCa, CLIENT_ID);
  const res = await talk(srv.port, { key: rogue.current().keyPem, cert: rogue.current().certChainPem, ca: ca.rootCertPem, checkServerIdentity: checkServerSpiffeId(SERVER_ID) });
  // In TLS 1.3 the client finishes its side of the handshake before the server has judged the
  // client certificate; Node's server then drops the connection (no alert), so the client sees EOF.
  assert.equal(res.data, '', 'no application bytes reach an untrusted client');
  assert.equal(srv.accepted.length, 0, 'the app never sees the connection');
  assert.ok(srv.clientErrors.length >= 1, 'the server reports the refused client');
});

test('a client with no certificate is refused', async (t) => {
  const ca = await newCa(t);
  const srv = await startServer(t, (await workload(t, ca, SERVER_ID)).current());
  const res = await talk(srv.port, { ca: ca.rootCertPem, checkServerIdentity: checkServerSpiffeId(SERVER_ID) });
  assert.equal(res.data, '');
  assert.equal(srv.accepted.length, 0);
  assert.match(String(srv.clientErrors[0]), /peer did not return a certificate|certificate required/i);
});

test('a client that does not trust the server\'s CA refuses it', async (t) => {
  const ca = await newCa(t);
  const otherCa = await newCa(t);
  const srv = await startServer(t, (await workload(t, ca, SERVER_ID)).current());
  const client = await workload(t, ca, CLIENT_ID);
  const res = await talk(srv.port, { key: client.current().keyPem, cert: client.current().certChainPem, ca: otherCa.rootCertPem });
  assert.equal(res.secure, false);
  assert.match(String(res.error), /self[- ]signed|unable to (get|verify)/i);
  assert.equal(srv.accepted.length, 0);
});

test('a plain TCP client gets nothing through', async (t) => {
  const ca = await newCa(t);
  const srv = await startServer(t, (await workload(t, ca, SERVER_ID)).current());
  const socket = net.connect(srv.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  const closed = new Promise((resolve) => socket.on('close', resolve));
  await once(socket, 'connect');
  socket.write('GET / HTTP/1.1\r\nHost: user-service\r\n\r\n');
  await closed;
  const got = Buffer.concat(chunks);
  assert.ok(!got.toString('latin1').includes('hello'), 'no application bytes');
  assert.ok(got.length === 0 || got[0] === 0x15, `only a TLS alert record, if anything (got ${got.toString('hex').slice(0, 16)})`);
  assert.equal(srv.accepted.length, 0);
});

test('after rotation, new connections get the new certificate while an open one keeps working', async (t) => {
  const ca = await newCa(t);
  const serverMgr = await workload(t, ca, SERVER_ID);
  const clientMgr = await workload(t, ca, CLIENT_ID);
  const first = serverMgr.current();
  // A long-lived connection: the server holds it open and echoes.
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ ...context(first), requestCert: true, rejectUnauthorized: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  serverMgr.on('rotated', (b) => server.setSecureContext({ ...context(b), requestCert: true, rejectUnauthorized: true } as tls.SecureContextOptions));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, 'close');
  });
  const port = (server.address() as net.AddressInfo).port;

  const open = tls.connect({ host: '127.0.0.1', port, ...context(clientMgr.current()), checkServerIdentity: checkServerSpiffeId(SERVER_ID) });
  await once(open, 'secureConnect');
  // Read at secureConnect: on the client side Node stops returning the peer certificate once the
  // TLS 1.3 session tickets have arrived (observed with Node 24 / OpenSSL 3).
  const serialOf = (s: tls.TLSSocket): string => {
    const cert = s.getPeerX509Certificate();
    assert.ok(cert, 'the server presented a certificate');
    return cert.serialNumber;
  };
  const before = serialOf(open);

  const rotated = once(serverMgr, 'rotated');
  await serverMgr.renewNow();
  await rotated;
  assert.notEqual(serverMgr.current().certChainPem, first.certChainPem);

  open.write('still here');
  const [echo] = (await once(open, 'data')) as [Buffer];
  assert.equal(echo.toString(), 'still here', 'the open connection survives the rotation');

  const fresh = tls.connect({ host: '127.0.0.1', port, ...context(clientMgr.current()), checkServerIdentity: checkServerSpiffeId(SERVER_ID) });
  await once(fresh, 'secureConnect');
  const after = serialOf(fresh);
  assert.notEqual(after, before, 'a new connection sees the new certificate');
  assert.equal(after, new X509Certificate(serverMgr.current().certChainPem).serialNumber);
  open.destroy();
  fresh.destroy();
});
