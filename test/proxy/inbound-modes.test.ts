// The inbound listener under each PeerAuthentication mode (real sockets on loopback): STRICT admits only mesh mTLS, DISABLE only plaintext, PERMISSIVE both on one port told apart by the first byte; a mode change applies to new connections only. Also the upstream transports (plaintext, mesh mTLS, TLS origination).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { CertificateAuthority } from '../../src/controlplane/ca/index.ts';
import { pino } from 'pino';
import type { Cluster, Endpoint, MtlsMode } from '../../src/model/proxy-config.ts';
import { Body } from '../../src/proxy/http/body.ts';
import type { HttpRequest } from '../../src/proxy/http/message.ts';
import { inboundModeOf, startInboundListener } from '../../src/proxy/listener/inbound.ts';
import { sniffTls } from '../../src/proxy/listener/sniff.ts';
import { createRescue } from '../../src/proxy/rescue.ts';
import { createCsr, generateWorkloadKey } from '../../src/proxy/transport/csr.ts';
import { checkServerSpiffeId } from '../../src/proxy/transport/identity.ts';
import { MeshTls, type WorkloadCertificate } from '../../src/proxy/transport/tls.ts';
import { transportKey, UpstreamTransports } from '../../src/proxy/transport/upstream.ts';

const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/user-service';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/order-service';
const REQUEST = 'GET /who HTTP/1.1\r\nHost: user-service:8080\r\nConnection: close\r\n\r\n';
const TALK_TIMEOUT_MS = 10_000;

let dir: string;
let ca: CertificateAuthority;
let serverCert: WorkloadCertificate;
let clientCert: WorkloadCertificate;
let mode: MtlsMode = 'STRICT';
let port: number;
let listener: Awaited<ReturnType<typeof startInboundListener>>;
let clientTls: MeshTls;

async function certificateFor(spiffeId: string): Promise<WorkloadCertificate> {
  const key = generateWorkloadKey();
  const res = await ca.sign({ csr: createCsr(key, spiffeId) });
  return { keyPem: key.keyPem, certChainPem: res.certChain.join(''), trustBundlePem: res.trustBundle.join('') };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-inbound-modes-'));
  ca = await CertificateAuthority.loadOrCreate({ dir: join(dir, 'ca'), trustDomain: 'cluster.local' });
  serverCert = await certificateFor(SERVER_ID);
  clientCert = await certificateFor(CLIENT_ID);
  const serverTls = new MeshTls('cluster.local');
  serverTls.update(serverCert);
  clientTls = new MeshTls('cluster.local');
  clientTls.update(clientCert);
  // The terminal stage answers with the peer identity the connection carried ("" over plaintext).
  const service = (req: HttpRequest) => Promise.resolve({ status: 200, headers: ['content-type', 'text/plain'], body: Body.of(`peer=${req.info.peerIdentity}`) });
  listener = await startInboundListener('127.0.0.1', 0, serverTls, {
    direction: 'inbound',
    service: () => service,
    rescue: createRescue(() => 'user-service.default', () => {}),
    onStreamEnd: () => {},
    idleTimeoutMs: 30_000,
  }, pino({ level: 'silent' }), () => mode);
  port = (listener.server.address() as AddressInfo).port;
});

after(async () => {
  listener.server.close();
  await listener.tracker.drain(500);
  await rm(dir, { recursive: true, force: true });
});

/** Sends REQUEST (in `pieces`, for plaintext) and collects everything until the server closes. */
function talk(kind: 'plain' | 'mtls' | 'tls-no-cert', pieces = 1): Promise<{ data: string; error: Error | null }> {
  return new Promise((resolve, reject) => {
    const send = (s: net.Socket): void => {
      if (pieces === 1) s.write(REQUEST);
      else {
        s.write(REQUEST.slice(0, 1));
        setTimeout(() => s.write(REQUEST.slice(1)), 50);
      }
    };
    const common = { host: '127.0.0.1', port, ca: serverCert.trustBundlePem, checkServerIdentity: checkServerSpiffeId(SERVER_ID), minVersion: 'TLSv1.3' as const };
    const socket: net.Socket = kind === 'plain'
      ? net.connect(port, '127.0.0.1', () => send(socket))
      : tls.connect(kind === 'mtls' ? { ...common, key: clientCert.keyPem, cert: clientCert.certChainPem } : common, () => socket.write(REQUEST));
    let error: Error | null = null;
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => { error = err; });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${TALK_TIMEOUT_MS} ms`));
    }, TALK_TIMEOUT_MS);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks).toString('latin1'), error });
    });
  });
}

const served = (t: { data: string }, peer: string, what: string): void => {
  assert.match(t.data, /^HTTP\/1\.1 200 /, `${what}: ${t.data.slice(0, 200)}`);
  assert.ok(t.data.endsWith(`peer=${peer}`), `${what}: ${t.data}`);
};
const refused = (t: { data: string }, what: string): void => assert.doesNotMatch(t.data, /HTTP\/1\.[01] 200|peer=/, what);

test('sniffTls: a TLS handshake byte and an HTTP method letter, the first bytes put back for the next reader', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const seen: { isTls: boolean; bytes: string }[] = [];
  server.on('connection', (s) => sniffTls(s, 5_000, (isTls) => {
    // The next owner reads from the start: nothing was lost.
    s.once('readable', () => {
      const b = s.read() as Buffer;
      seen.push({ isTls, bytes: b.subarray(0, 4).toString('hex') });
      s.destroy();
    });
    s.resume();
  }));
  const send = (bytes: Buffer) => new Promise<void>((resolve) => {
    const c = net.connect((server.address() as AddressInfo).port, '127.0.0.1', () => c.write(bytes));
    c.on('close', () => resolve());
    c.on('error', () => {});
  });
  await send(Buffer.from([0x16, 0x03, 0x01, 0x02]));
  await send(Buffer.from('GET / HTTP/1.1\r\n'));
  server.close();
  assert.deepEqual(seen, [{ isTls: true, bytes: '16030102' }, { isTls: false, bytes: Buffer.from('GET ').toString('hex') }]);
});

test('sniffTls: a socket that closes before its first byte is never handed on', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let results = 0;
  const closed = new Promise<void>((resolve) => server.on('connection', (s) => {
    sniffTls(s, 5_000, () => { results++; });
    s.on('close', () => resolve());
  }));
  const c = net.connect((server.address() as AddressInfo).port, '127.0.0.1', () => c.end());
  await closed;
  server.close();
  assert.equal(results, 0);
});

test('STRICT: plaintext gets no HTTP response; a mesh client is served with its SPIFFE id; a TLS client without a certificate is refused', async () => {
  mode = 'STRICT';
  refused(await talk('plain'), 'plaintext under STRICT');
  served(await talk('mtls'), CLIENT_ID, 'mTLS under STRICT');
  refused(await talk('tls-no-cert'), 'no client certificate under STRICT');
});

test('PERMISSIVE: plaintext and mTLS on the same port; plaintext has no peer identity; a request split after its first byte still parses', async () => {
  mode = 'PERMISSIVE';
  served(await talk('plain'), '', 'plaintext under PERMISSIVE');
  served(await talk('plain', 2), '', 'plaintext in two pieces under PERMISSIVE');
  served(await talk('mtls'), CLIENT_ID, 'mTLS under PERMISSIVE');
  // PERMISSIVE still checks a TLS client's certificate: it is mTLS or plaintext, never unauthenticated TLS.
  refused(await talk('tls-no-cert'), 'no client certificate under PERMISSIVE');
});

test('DISABLE: plaintext only; a TLS client never completes a handshake', async () => {
  mode = 'DISABLE';
  served(await talk('plain'), '', 'plaintext under DISABLE');
  const t = await talk('mtls');
  assert.ok(t.error !== null, 'the TLS handshake fails');
  refused(t, 'mTLS under DISABLE');
});

test('a mode change applies to new connections without restarting the listener; open connections keep theirs', async () => {
  mode = 'PERMISSIVE';
  const open = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => open.once('connect', () => r()));
  const reply = (): Promise<string> => new Promise((resolve) => {
    let got = '';
    const onData = (c: Buffer): void => {
      got += c.toString('latin1');
      if (got.includes('peer=')) {
        open.removeListener('data', onData);
        resolve(got);
      }
    };
    open.on('data', onData);
  });
  const keepAlive = 'GET /who HTTP/1.1\r\nHost: user-service:8080\r\n\r\n';
  let r = reply();
  open.write(keepAlive);
  assert.match(await r, /^HTTP\/1\.1 200 /);
  mode = 'STRICT';
  refused(await talk('plain'), 'a new plaintext connection after the switch to STRICT');
  r = reply();
  open.write(keepAlive);
  assert.match(await r, /^HTTP\/1\.1 200 /, 'the connection accepted under PERMISSIVE keeps serving');
  open.destroy();
});

test('inboundModeOf: the port-level override for this service port, else the workload mode, else PERMISSIVE', () => {
  assert.equal(inboundModeOf(undefined, 8080), 'PERMISSIVE');
  assert.equal(inboundModeOf({ mode: 'STRICT' }, 8080), 'STRICT');
  assert.equal(inboundModeOf({ mode: 'STRICT', portModes: [{ port: 8080, mode: 'DISABLE' }] }, 8080), 'DISABLE');
  assert.equal(inboundModeOf({ mode: 'STRICT', portModes: [{ port: 9090, mode: 'DISABLE' }] }, 8080), 'STRICT');
});

const endpointAt = (p: number, extra: Partial<Endpoint> = {}): Endpoint => ({ address: '127.0.0.1', port: p, identity: SERVER_ID, workload: 'user-service-1', labels: {}, ...extra });
const cluster = (c: Partial<Cluster>): Cluster => ({ name: 'outbound|8080||user-service.default.svc.cluster.local', service: 'user-service.default.svc.cluster.local', port: 8080, subset: '', lbPolicy: 'ROUND_ROBIN', transport: 'AUTO', endpoints: [], ...c });

/** One request over a socket a transport opened; the answer's body. */
async function over(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', () => {});
    socket.write(REQUEST);
  });
}

test('upstream transports: AUTO is mTLS unless the endpoint takes only plaintext; DISABLE is plaintext; pools never mix them', async () => {
  mode = 'PERMISSIVE';
  const t = new UpstreamTransports(clientTls);
  const auto = cluster({});
  assert.ok((await over(await t.connect(auto, endpointAt(port), 5_000))).endsWith(`peer=${CLIENT_ID}`));
  assert.ok((await over(await t.connect(auto, endpointAt(port, { mtls: false }), 5_000))).endsWith('peer='));
  assert.ok((await over(await t.connect(cluster({ transport: 'DISABLE' }), endpointAt(port), 5_000))).endsWith('peer='));
  assert.ok((await over(await t.connect(cluster({ transport: 'ISTIO_MUTUAL' }), endpointAt(port, { mtls: false }), 5_000))).endsWith(`peer=${CLIENT_ID}`));
  assert.equal(transportKey(auto, {}), 'mesh');
  assert.equal(transportKey(auto, { mtls: false }), 'plain');
  assert.notEqual(transportKey(cluster({ transport: 'SIMPLE', tls: { subjectAltNames: [], insecureSkipVerify: false } }), {}), transportKey(cluster({ transport: 'SIMPLE', tls: { subjectAltNames: ['a'], insecureSkipVerify: false } }), {}));
});

test('upstream transports: MUTUAL originates TLS with the DestinationRule\'s files and checks subjectAltNames; an unreadable file rejects the config', async () => {
  mode = 'STRICT';
  await writeFile(join(dir, 'ca.pem'), serverCert.trustBundlePem);
  await writeFile(join(dir, 'client.pem'), clientCert.certChainPem);
  await writeFile(join(dir, 'client-key.pem'), clientCert.keyPem);
  const t = new UpstreamTransports(clientTls);
  const mutual = cluster({
    transport: 'MUTUAL',
    tls: { caCertificates: join(dir, 'ca.pem'), clientCertificate: join(dir, 'client.pem'), privateKey: join(dir, 'client-key.pem'), sni: 'user-service', subjectAltNames: [SERVER_ID], insecureSkipVerify: false },
  });
  t.prepare([mutual]);
  assert.ok((await over(await t.connect(mutual, endpointAt(port), 5_000))).endsWith(`peer=${CLIENT_ID}`), 'the STRICT server accepted the DR\'s client certificate');
  const wrongSan = cluster({ ...mutual, tls: { ...mutual.tls!, subjectAltNames: ['spiffe://cluster.local/ns/default/sa/someone-else'] } });
  t.prepare([wrongSan]);
  await assert.rejects(t.connect(wrongSan, endpointAt(port), 5_000), /carries none of the subjectAltNames/);
  const missing = cluster({ ...mutual, tls: { ...mutual.tls!, caCertificates: join(dir, 'nope.pem') } });
  assert.throws(() => t.prepare([missing]), /cluster outbound\|8080\|\|user-service\.default\.svc\.cluster\.local: cannot read tls\.caCertificates .*nope\.pem/);
});
