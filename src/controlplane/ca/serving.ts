/** Issue 4: the control plane's own HTTPS certificate, issued under the mesh CA at every start: DNS and IP SANs for the addresses clients dial, serverAuth only, no SPIFFE id (so it can never pass as a workload). */
import { isIP } from 'node:net';
import type { webcrypto } from 'node:crypto';
import { crypto, x509 } from '../../lib/x509.ts';
import { CLOCK_SKEW_MS, randomSerial, type RootCa } from './root.ts';

export interface ServingLeaf {
  readonly pem: string;
  readonly notAfter: number;
}

/** `names` are host names or IP addresses (v4 or v6); each becomes a DNS or IP SAN. */
export async function issueServingLeaf(p: {
  readonly root: RootCa;
  readonly publicKey: webcrypto.CryptoKey;
  readonly names: readonly string[];
  readonly now: number;
  readonly ttlMs: number;
}): Promise<ServingLeaf> {
  const names = [...new Set(p.names.map((n) => n.replace(/^\[(.*)\]$/, '$1')).filter((n) => n !== ''))];
  const sans = names.map((n): x509.JsonGeneralName => (isIP(n) === 0 ? { type: 'dns', value: n } : { type: 'ip', value: n }));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: 'CN=weft control plane',
      issuer: p.root.cert.subjectName,
      notBefore: new Date(p.now - CLOCK_SKEW_MS),
      notAfter: new Date(Math.min(p.now + p.ttlMs, p.root.notAfter)),
      publicKey: p.publicKey,
      signingKey: p.root.signingKey,
      signingAlgorithm: p.root.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(sans, false),
        new x509.AuthorityKeyIdentifierExtension(p.root.keyId, false),
      ],
    },
    crypto,
  );
  return { pem: cert.toString('pem') + '\n', notAfter: cert.notAfter.getTime() };
}
