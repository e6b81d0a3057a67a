/** Why a peer's certificate was refused, in words an operator acts on (expired, not yet valid, another CA, no SPIFFE id of this trust domain, another identity), from what OpenSSL and the SPIFFE checks report; and a short memory of the peers accepted. */
import type { PeerCertificate } from 'node:tls';
import { PeerIdentityError, checkServerSpiffeId, spiffeIdFromSubjectAltName } from './identity.ts';
import type { PeerSeen } from '../../model/secret-dump.ts';
import { parseSpiffeId } from '../../model/spiffe.ts';

export type RefusalKind =
  | 'expired'
  | 'not-yet-valid'
  | 'unknown-ca'
  | 'no-certificate'
  | 'no-spiffe-id'
  | 'foreign-trust-domain'
  | 'wrong-identity'
  | 'refused-by-peer'
  | 'handshake';

export interface Refusal {
  readonly kind: RefusalKind;
  /** One line for the log: the kind in words, then what TLS said. */
  readonly reason: string;
}

const WORDS: Readonly<Record<RefusalKind, string>> = {
  'expired': 'peer certificate expired',
  'not-yet-valid': 'peer certificate not yet valid',
  'unknown-ca': 'peer certificate from another CA (does not chain to the mesh trust bundle)',
  'no-certificate': 'peer sent no certificate',
  'no-spiffe-id': 'peer certificate has no SPIFFE id',
  'foreign-trust-domain': 'peer SPIFFE id is not of this trust domain',
  'wrong-identity': 'peer is not the identity expected for this endpoint',
  'refused-by-peer': 'the peer refused this sidecar\'s certificate',
  'handshake': 'TLS handshake failed',
};

/** OpenSSL verification codes (X509_V_ERR_* as Node names them) → what they mean for a mesh peer. */
const VERIFY_CODES: Readonly<Record<string, RefusalKind>> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-ca',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown-ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown-ca',
  CERT_SIGNATURE_FAILURE: 'unknown-ca',
  CERT_UNTRUSTED: 'unknown-ca',
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'no-certificate',
};

/** The peer's TLS alert about our own certificate (it judged us): the reason is on its side. */
const ALERT = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_/;

export function refusal(kind: RefusalKind, detail?: string): Refusal {
  return { kind, reason: detail === undefined || detail === '' ? WORDS[kind] : `${WORDS[kind]}: ${detail}` };
}

/**
 * Classifies what a failed handshake or verification reported: an Error with an OpenSSL `code`
 * (client side, `tls.connect` 'error'), a server socket's `authorizationError` (an Error or a
 * bare code string), or a PeerRefusedError from serverPeerCheck.
 */
export function classifyTlsFailure(err: unknown): Refusal {
  if (err instanceof PeerRefusedError) return err.refusal;
  if (typeof err === 'string') return refusal(VERIFY_CODES[err] ?? 'handshake', err);
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const kind = VERIFY_CODES[code];
  if (kind !== undefined) return refusal(kind, `${message} (${code})`);
  if (ALERT.test(code)) return refusal('refused-by-peer', `${message} (${code})`);
  if (/peer did not return a certificate/i.test(message)) return refusal('no-certificate', message);
  return refusal('handshake', code === '' ? message : `${message} (${code})`);
}

/** A refusal decided by Weft's own checks (SPIFFE id), carrying its classification. */
export class PeerRefusedError extends PeerIdentityError {
  readonly refusal: Refusal;
  constructor(r: Refusal) {
    super(r.reason);
    this.refusal = r;
  }
}

/**
 * The classification of a verified peer certificate's SPIFFE id against this trust domain:
 * null when acceptable, else the refusal (no single SPIFFE id, or one of another trust domain).
 */
export function spiffeRefusal(subjectAltName: string | undefined, trustDomain: string): Refusal | null {
  const uri = spiffeIdFromSubjectAltName(subjectAltName);
  if (uri === null) return refusal('no-spiffe-id', `subjectAltName ${subjectAltName ?? 'none'}`);
  const parsed = parseSpiffeId(uri);
  if (!parsed.ok) return refusal('no-spiffe-id', `${uri} is not a valid SPIFFE id`);
  if (parsed.id.trustDomain !== trustDomain) return refusal('foreign-trust-domain', `${uri}, this mesh is ${trustDomain}`);
  return null;
}

/**
 * `checkServerIdentity` for a connection to a peer sidecar: the server's certificate (its chain
 * verified already) must carry a SPIFFE id of this trust domain, and be `expected`. Failures are
 * PeerRefusedErrors saying which; `onAccepted` hears the certificate of every accepted server.
 */
export function serverPeerCheck(expected: string, trustDomain: string, onAccepted?: (cert: PeerCertificate) => void): (host: string, cert: PeerCertificate) => Error | undefined {
  const exact = checkServerSpiffeId(expected);
  return (host, cert) => {
    const r = spiffeRefusal(cert.subjectaltname, trustDomain);
    if (r !== null) return new PeerRefusedError(r);
    const err = exact(host, cert);
    if (err !== undefined) return new PeerRefusedError(refusal('wrong-identity', err.message));
    onAccepted?.(cert);
    return undefined;
  };
}

/** The last PeerLog.CAPACITY peer certificates accepted, newest last; a peer's rotation shows as a new serial. */
export class PeerLog {
  static readonly CAPACITY = 64;
  readonly #ring: PeerSeen[] = [];

  record(direction: PeerSeen['direction'], cert: { readonly subjectaltname?: string; readonly serialNumber: string; readonly valid_to: string } | undefined): void {
    if (cert === undefined) return;
    const spiffeId = spiffeIdFromSubjectAltName(cert.subjectaltname) ?? '';
    this.#ring.push({ direction, spiffeId, serialNumber: cert.serialNumber.toUpperCase(), validTo: new Date(cert.valid_to).toISOString(), at: new Date().toISOString() });
    if (this.#ring.length > PeerLog.CAPACITY) this.#ring.shift();
  }

  list(): readonly PeerSeen[] {
    return [...this.#ring];
  }
}
