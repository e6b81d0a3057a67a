/** The API server's TLS material, made at each start: a fresh P-256 key (never written to disk) and a certificate from the mesh CA for the addresses clients dial. */
import { hostname } from 'node:os';
import { crypto, x509 } from '../../lib/x509.ts';
import type { CertificateAuthority } from '../ca/index.ts';
import type { ApiServerTls } from '../http-api/server.ts';

/** A year: the certificate is reissued at every start, and a control plane is rarely up longer. */
export const SERVING_CERT_TTL_MS = 365 * 24 * 60 * 60 * 1000;

/** Names in the certificate: loopback in every spelling, the listen address, and this machine's host name (a remote sidecar's `--control-plane https://<host>:15010`). */
export function servingNames(host: string): string[] {
  const names = ['127.0.0.1', '::1', 'localhost', hostname()];
  if (host !== '' && host !== '0.0.0.0' && host !== '::') names.push(host);
  return names;
}

export async function servingTls(ca: CertificateAuthority, host: string): Promise<ApiServerTls> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const issued = await ca.issueServing(keys.publicKey, servingNames(host), SERVING_CERT_TTL_MS);
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certChainPem: issued.chain, keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n', clientCaPem: ca.rootCertPem };
}
