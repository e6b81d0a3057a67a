/** What the sidecar's admin `/certs` shows of its certificate (never the key): each certificate of the chain and of the trust bundle described, the renewal schedule, and the peers lately accepted. */
import { X509Certificate } from 'node:crypto';
import type { CertificateBundle } from './certificates.ts';
import { spiffeIdFromSubjectAltName } from './identity.ts';
import type { CertificateInfo } from '../../model/secret-dump.ts';

export type { CertificateInfo, SecretDump } from '../../model/secret-dump.ts';

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Each PEM certificate in `pem` (concatenated), described. */
export function describePem(pem: string): CertificateInfo[] {
  return (pem.match(PEM) ?? []).map((block) => describe(new X509Certificate(block)));
}

function describe(c: X509Certificate): CertificateInfo {
  return {
    subject: oneLine(c.subject),
    issuer: oneLine(c.issuer),
    serialNumber: c.serialNumber.toUpperCase(),
    spiffeId: spiffeIdFromSubjectAltName(c.subjectAltName),
    isCa: c.ca,
    validFrom: c.validFromDate.toISOString(),
    validTo: c.validToDate.toISOString(),
    fingerprint256: c.fingerprint256,
  };
}

/** Node writes a DN as "CN=a\nO=b"; an X.509-SVID's subject is empty. */
function oneLine(dn: string | undefined): string {
  return (dn ?? '').split('\n').filter((s) => s !== '').join(', ');
}

/** Describes a bundle once (it is immutable); the caller caches the result per bundle. */
export function describeBundle(bundle: CertificateBundle): { readonly chain: CertificateInfo[]; readonly trustBundle: CertificateInfo[] } {
  return { chain: describePem(bundle.certChainPem), trustBundle: describePem(bundle.trustBundlePem) };
}
