/**
 * The transport a cluster asks for, per endpoint (issue 4, item 1): plaintext TCP, mesh mTLS, or TLS
 * origination with the DestinationRule's files. AUTO is auto mTLS: mesh mTLS unless the endpoint
 * takes only plaintext (Endpoint.mtls === false, its PeerAuthentication says DISABLE).
 * Files of SIMPLE / MUTUAL clusters are read when a config arrives (prepare); a file that cannot be
 * read or parsed rejects the whole config (a NACK naming the cluster and the file).
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { messageOf } from '../../lib/errors.ts';
import type { Cluster, Endpoint, UpstreamTls } from '../../model/proxy-config.ts';
import type { MeshTls } from './tls.ts';

export type TransportKind = 'plain' | 'mesh' | 'tls';

export function transportKind(cluster: Pick<Cluster, 'transport'>, endpoint: Pick<Endpoint, 'mtls'>): TransportKind {
  switch (cluster.transport) {
    case 'AUTO': return endpoint.mtls === false ? 'plain' : 'mesh';
    case 'ISTIO_MUTUAL': return 'mesh';
    case 'DISABLE': return 'plain';
    case 'SIMPLE':
    case 'MUTUAL': return 'tls';
  }
}

/** Part of a pool's key: pools never mix transports, and new TLS settings get new connections. */
export function transportKey(cluster: Pick<Cluster, 'transport' | 'tls'>, endpoint: Pick<Endpoint, 'mtls'>): string {
  const kind = transportKind(cluster, endpoint);
  return kind === 'tls' ? `tls:${cluster.transport}:${JSON.stringify(cluster.tls ?? null)}` : kind;
}

/** What a TLS-origination connection needs, built once per config. */
interface Origination {
  readonly secureContext: tls.SecureContext;
  readonly servername: string;
  readonly rejectUnauthorized: boolean;
  readonly subjectAltNames: readonly string[];
}

export type ReadFile = (path: string) => string;

export class UpstreamTransports {
  readonly #mesh: MeshTls;
  readonly #read: ReadFile;
  #originations = new Map<string, Origination>();

  constructor(mesh: MeshTls, read: ReadFile = (p) => readFileSync(p, 'utf8')) {
    this.#mesh = mesh;
    this.#read = read;
  }

  /** Loads the TLS settings of every SIMPLE / MUTUAL cluster; throws (the NACK reason) and keeps the previous ones if any fails. */
  prepare(clusters: readonly Cluster[]): void {
    const next = new Map<string, Origination>();
    for (const c of clusters) {
      if (c.transport !== 'SIMPLE' && c.transport !== 'MUTUAL') continue;
      next.set(c.name, this.#origination(c));
    }
    this.#originations = next;
  }

  /** Opens one connection to `endpoint` of `cluster`, TCP connect and any handshake within `timeoutMs`. */
  connect(cluster: Cluster, endpoint: Endpoint, timeoutMs: number): Promise<net.Socket> {
    switch (transportKind(cluster, endpoint)) {
      case 'plain': return connectTcp(endpoint.address, endpoint.port, timeoutMs);
      case 'mesh': return this.#mesh.connect(endpoint.address, endpoint.port, endpoint.identity, timeoutMs);
      case 'tls': {
        const o = this.#originations.get(cluster.name);
        if (o === undefined) return Promise.reject(new Error(`no TLS settings loaded for cluster ${cluster.name}`));
        return connectOriginating(endpoint, o, timeoutMs);
      }
    }
  }

  #origination(c: Cluster): Origination {
    const t: UpstreamTls = c.tls ?? { subjectAltNames: [], insecureSkipVerify: false };
    const file = (what: string, path: string | undefined): string | undefined => {
      if (path === undefined) return undefined;
      try {
        return this.#read(path);
      } catch (err) {
        throw new Error(`cluster ${c.name}: cannot read tls.${what} ${path}: ${messageOf(err)}`, { cause: err });
      }
    };
    const ca = file('caCertificates', t.caCertificates);
    const cert = file('clientCertificate', t.clientCertificate);
    const key = file('privateKey', t.privateKey);
    if (c.transport === 'MUTUAL' && (cert === undefined || key === undefined)) throw new Error(`cluster ${c.name}: MUTUAL TLS needs clientCertificate and privateKey`);
    let secureContext: tls.SecureContext;
    try {
      secureContext = tls.createSecureContext({ minVersion: 'TLSv1.2', ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) });
    } catch (err) {
      throw new Error(`cluster ${c.name}: invalid TLS material: ${messageOf(err)}`, { cause: err });
    }
    return { secureContext, servername: t.sni ?? c.service, rejectUnauthorized: !t.insecureSkipVerify, subjectAltNames: t.subjectAltNames };
  }
}

/** The server certificate must carry one of `sans` (DNS names matched as TLS hostnames, anything else as an exact URI SAN). */
export function checkSubjectAltNames(sans: readonly string[]): (host: string, cert: tls.PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const entries = new Set((cert.subjectaltname ?? '').split(', '));
    for (const san of sans) {
      if (entries.has(`URI:${san}`)) return undefined;
      if (!san.includes(':') && tls.checkServerIdentity(san, cert) === undefined) return undefined;
    }
    return new Error(`the server certificate carries none of the subjectAltNames ${sans.join(', ')} (it has ${cert.subjectaltname ?? 'none'})`);
  };
}

function connectOriginating(ep: Endpoint, o: Origination, timeoutMs: number): Promise<net.Socket> {
  return handshake(
    tls.connect({
      host: ep.address,
      port: ep.port,
      secureContext: o.secureContext,
      servername: o.servername,
      rejectUnauthorized: o.rejectUnauthorized,
      ...(o.subjectAltNames.length > 0 && o.rejectUnauthorized ? { checkServerIdentity: checkSubjectAltNames(o.subjectAltNames) } : {}),
    }),
    'secureConnect',
    timeoutMs,
  );
}

export function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return handshake(net.connect({ host, port, noDelay: true }), 'connect', timeoutMs);
}

/** Resolves with `socket` once `ready` fires; destroys it and rejects on error or after `timeoutMs`. */
function handshake(socket: net.Socket, ready: 'connect' | 'secureConnect', timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
    socket.once('error', onError);
  });
}
