/** Signing: a PEM CSR is parsed and its proof of possession checked, its lifetime bounded, and a SPIFFE X.509-SVID leaf issued under the root. */
import { createPublicKey } from 'node:crypto';
import { messageOf } from '../../lib/errors.ts';
import { crypto, x509 } from '../../lib/x509.ts';
import { BadCsrError, BadTtlError, UnsupportedKeyError } from './errors.ts';
import { CLOCK_SKEW_MS, randomSerial, type RootCa } from './root.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** A P-256 CSR is about 400 bytes of PEM and an RSA-4096 one under 2 KiB: anything near this bound is not a CSR. */
export const MAX_CSR_BYTES = 16 * 1024;
/** Default and maximum lifetime of a workload certificate (Istio's default). */
export const DEFAULT_TTL_MS = DAY_MS;
/**
 * Shortest lifetime a request may ask for. Below a minute the renew-at-half schedule would
 * renew faster than the one-minute backdating of notBefore, and a clock skew would matter more
 * than the lifetime.
 */
export const MIN_TTL_MS = MINUTE_MS;
/**
 * Shortest configured default (`--workload-cert-ttl`): seconds are for tests of rotation. A CA
 * configured below MIN_TTL_MS lets requests ask for as little as its default.
 */
export const MIN_DEFAULT_TTL_MS = 2_000;
/** Bound on the CA's configured default; Istio caps workload certificates at 90 days too. */
export const MAX_DEFAULT_TTL_MS = 90 * DAY_MS;

const ACCEPTED_CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1']);
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 4096;
const PEM_CSR = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----/;

/**
 * Parses a PEM PKCS#10 CSR, checks its key type, and verifies its self-signature (proof that the
 * requester holds the private key). Throws BadCsrError or UnsupportedKeyError.
 */
export async function parseCsr(pem: unknown): Promise<x509.Pkcs10CertificateRequest> {
  if (typeof pem !== 'string') throw new BadCsrError('the request has no "csr" string: send a PEM PKCS#10 certificate request');
  if (pem.length > MAX_CSR_BYTES) throw new BadCsrError(`the CSR is ${pem.length} bytes; at most ${MAX_CSR_BYTES} are accepted`);
  if (!PEM_CSR.test(pem)) throw new BadCsrError('the CSR is not PEM: expected a "-----BEGIN CERTIFICATE REQUEST-----" block');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw new BadCsrError(`the CSR cannot be parsed as PKCS#10 (${messageOf(err)})`, { cause: err });
  }
  checkKey(csr);
  let verified: boolean;
  try {
    verified = await csr.verify(crypto);
  } catch (err) {
    throw new BadCsrError(`the CSR's signature cannot be checked (${messageOf(err)})`, { cause: err });
  }
  if (!verified) throw new BadCsrError("the CSR's signature does not verify with its own public key: it was altered or signed with another key");
  return csr;
}

/**
 * The lifetime granted for a requested one: absent → the default; longer than the default →
 * shortened to it (the contract lets the CA shorten); not a finite number, or shorter than
 * MIN_TTL_MS → BadTtlError (lengthening what a client asked for would surprise it).
 */
export function grantedTtl(requested: unknown, defaultTtlMs: number): number {
  if (requested === undefined) return defaultTtlMs;
  if (typeof requested !== 'number' || !Number.isFinite(requested)) {
    throw new BadTtlError(`ttlMs must be a number of milliseconds, got ${JSON.stringify(requested)}`);
  }
  const min = Math.min(MIN_TTL_MS, defaultTtlMs);
  if (requested < min) throw new BadTtlError(`ttlMs ${requested} is below the minimum of ${min} ms`);
  return Math.min(Math.floor(requested), defaultTtlMs);
}

export interface IssuedLeaf {
  readonly pem: string;
  readonly serialNumber: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/**
 * Issues the leaf, shaped as an X.509-SVID (SPIFFE X.509-SVID §4, §5): empty subject with the
 * SPIFFE id as the only, critical, URI SAN; CA:false; digitalSignature + keyEncipherment
 * (Istio's choice; TLS 1.3 with ECDSA uses only the first); serverAuth + clientAuth; a random
 * 128-bit serial; valid from one minute ago (clock skew) for `ttlMs`, but never past the root.
 */
export async function issueLeaf(p: {
  readonly root: RootCa;
  readonly publicKey: x509.PublicKey;
  readonly spiffeUri: string;
  readonly now: number;
  readonly ttlMs: number;
}): Promise<IssuedLeaf> {
  const notBefore = p.now - CLOCK_SKEW_MS;
  const notAfter = Math.min(p.now + p.ttlMs, p.root.notAfter);
  const serialNumber = randomSerial();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber,
      issuer: p.root.cert.subjectName,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      publicKey: p.publicKey,
      signingKey: p.root.signingKey,
      signingAlgorithm: p.root.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: p.spiffeUri }], true),
        new x509.AuthorityKeyIdentifierExtension(p.root.keyId, false),
      ],
    },
    crypto,
  );
  // X.509 stores times at one-second resolution.
  return { pem: cert.toString('pem') + '\n', serialNumber: cert.serialNumber, notBefore: cert.notBefore.getTime(), notAfter: cert.notAfter.getTime() };
}

function checkKey(csr: x509.Pkcs10CertificateRequest): void {
  let type: string | undefined;
  let details: { namedCurve?: string | undefined; modulusLength?: number | undefined } | undefined;
  try {
    const key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
    type = key.asymmetricKeyType;
    details = key.asymmetricKeyDetails;
  } catch (err) {
    throw new UnsupportedKeyError(`the CSR's public key cannot be read (${messageOf(err)}); use ECDSA P-256`, { cause: err });
  }
  if (type === 'ec' && ACCEPTED_CURVES.has(details?.namedCurve ?? '')) return;
  const bits = details?.modulusLength ?? 0;
  if (type === 'rsa' && bits >= MIN_RSA_BITS && bits <= MAX_RSA_BITS) return;
  const what = type === 'ec' ? `EC ${details?.namedCurve ?? '?'}` : type === 'rsa' ? `RSA ${bits}` : (type ?? 'unknown');
  throw new UnsupportedKeyError(`the CSR's key is ${what}; use ECDSA P-256 (P-384 and RSA 2048–4096 are accepted too)`);
}
