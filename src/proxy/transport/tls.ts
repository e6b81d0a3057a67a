/**
 * mTLS between sidecars: the client and server TLS contexts built from the workload certificate,
 * swapped in place when the certificate rotates (connections already open keep theirs). The client
 * checks the server's SPIFFE id against the endpoint's expected identity; the server requires a
 * client certificate from the mesh CA carrying a SPIFFE id of this trust domain.
 */
import * as tls from 'node:tls';
import type { Socket } from 'node:net';
import { peerIdentity } from './identity.ts';
import { classifyTlsFailure, PeerLog, serverPeerCheck, spiffeRefusal, type Refusal } from './refusal.ts';

export interface WorkloadCertificate {
  readonly keyPem: string;
  readonly certChainPem: string;
  readonly trustBundlePem: string;
}

const MIN_VERSION: tls.SecureVersion = 'TLSv1.3';

export class MeshTls {
  readonly trustDomain: string;
  #client: tls.SecureContext | null = null;
  #servers = new Set<tls.Server>();
  #material: WorkloadCertificate | null = null;
  /** Issue 4 (certificate lifecycle): the last peer certificates accepted, both directions (`/certs` shows them). */
  readonly peers = new PeerLog();
  /** Issue 4: hears every outbound handshake refused, with the reason (main.ts logs it). */
  onOutboundRefused: ((refusal: Refusal, peer: string) => void) | null = null;

  constructor(trustDomain: string) {
    this.trustDomain = trustDomain;
  }

  get ready(): boolean { return this.#material !== null; }

  /** Installs a (new) certificate: later handshakes use it, open connections keep theirs. */
  update(cert: WorkloadCertificate): void {
    this.#material = cert;
    this.#client = tls.createSecureContext(this.#contextOptions(cert));
    for (const s of this.#servers) s.setSecureContext(this.#contextOptions(cert));
  }

  #contextOptions(cert: WorkloadCertificate): tls.SecureContextOptions {
    return { key: cert.keyPem, cert: cert.certChainPem, ca: cert.trustBundlePem, minVersion: MIN_VERSION };
  }

  /**
   * Connects to a peer sidecar and completes the handshake. Fails unless the peer's chain verifies
   * against the trust bundle and its certificate carries `expectedIdentity` as a URI SAN.
   */
  connect(host: string, port: number, expectedIdentity: string, timeoutMs: number): Promise<Socket> {
    const secureContext = this.#client;
    if (secureContext === null) return Promise.reject(new Error('no workload certificate yet'));
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host,
        port,
        secureContext,
        rejectUnauthorized: true,
        minVersion: MIN_VERSION,
        checkServerIdentity: serverPeerCheck(expectedIdentity, this.trustDomain, (cert) => this.peers.record('outbound', cert)),
      });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timeout after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(socket);
      });
      const onError = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        this.#reportOutbound(err, `${host}:${port}`);
        reject(err);
      };
      socket.once('error', onError);
    });
  }

  /** Verification failures and peer alerts are refusals worth a log line; refused/reset connections are the pool's business. */
  #reportOutbound(err: Error, peer: string): void {
    const code = (err as { code?: unknown }).code;
    if (this.onOutboundRefused === null || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT') return;
    const r = classifyTlsFailure(err);
    if (r.kind !== 'handshake') this.onOutboundRefused(r, peer);
  }

  /**
   * A TLS server requiring mesh client certificates. `onConnection` gets sockets whose peer
   * verified and carries a SPIFFE id of this trust domain; others are refused and reported.
   */
  createServer(onConnection: (socket: tls.TLSSocket, peerIdentity: string) => void, onRefused: (reason: string, remote: string) => void): tls.Server {
    const material = this.#material;
    if (material === null) throw new Error('no workload certificate yet');
    const server = tls.createServer({
      ...this.#contextOptions(material),
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: 10_000,
    });
    server.on('secureConnection', (socket) => {
      const peer = peerIdentity(socket);
      if (peer === null || peer.id.trustDomain !== this.trustDomain) {
        const cert = socket.getPeerCertificate();
        const r = spiffeRefusal(cert.subjectaltname, this.trustDomain) ?? classifyTlsFailure(socket.authorizationError ?? 'peer certificate not authorized');
        onRefused(r.reason, socket.remoteAddress ?? '');
        socket.destroy();
        return;
      }
      this.peers.record('inbound', socket.getPeerCertificate());
      onConnection(socket, peer.spiffeId);
    });
    server.on('tlsClientError', (err, socket) => {
      // In TLS 1.3 the client certificate is checked after the handshake; a failed check closes the
      // socket and the error here is a bare "socket hang up". The reason is on the socket.
      const why = (socket as tls.TLSSocket & { authorizationError?: Error | string }).authorizationError;
      onRefused(classifyTlsFailure(why === undefined || why === null ? err : why).reason, socket.remoteAddress ?? '');
      socket.destroy();
    });
    server.on('close', () => this.#servers.delete(server));
    this.#servers.add(server);
    return server;
  }
}
