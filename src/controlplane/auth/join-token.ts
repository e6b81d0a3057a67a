/**
 * Join tokens: a bearer credential bound to one workload identity (namespace + service account)
 * and an expiry, signed with HMAC-SHA256 under a key kept in the state directory, so that they
 * survive a restart and need no server-side table. `weft-join.<claims, base64url JSON>.<mac>`.
 * The claims also carry the SHA-256 of the mesh root, so that a sidecar with no copy of the root
 * can pin it (kubeadm's discovery-token-ca-cert-hash).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { namespaceProblem, serviceAccountProblem } from '../../model/spiffe.ts';
import { JOIN_TOKEN_PREFIX } from './files.ts';

export interface JoinTokenClaims {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Expiry, ms since the epoch. */
  readonly expiresAt: number;
  /** SHA-256 of the root certificate's DER, lower-case hex. */
  readonly caHash: string;
}

export type JoinTokenCheck =
  | { readonly ok: true; readonly claims: JoinTokenClaims }
  | { readonly ok: false; readonly reason: string };

/** Default lifetime of `weft token create` (Istio's bootstrap tokens are hours too). */
export const DEFAULT_JOIN_TOKEN_TTL_MS = 60 * 60 * 1000;
export const MIN_JOIN_TOKEN_TTL_MS = 1_000;
export const MAX_JOIN_TOKEN_TTL_MS = 365 * 24 * 60 * 60 * 1000;

interface WireClaims {
  readonly ns: string;
  readonly sa: string;
  readonly exp: number;
  readonly ca: string;
  /** Random, so that two tokens minted in the same millisecond differ. */
  readonly n: string;
}

/** SHA-256 of a PEM certificate's DER, lower-case hex: what `openssl x509 -outform der | sha256sum` prints. */
export function certificateHash(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

export class JoinTokenIssuer {
  readonly #key: Buffer;
  /** SHA-256 of the mesh root (hex), carried in every token. */
  readonly caHash: string;

  constructor(key: Buffer, rootCertPem: string) {
    this.#key = key;
    this.caHash = certificateHash(rootCertPem);
  }

  mint(namespace: string, serviceAccount: string, expiresAt: number): string {
    const wire: WireClaims = { ns: namespace, sa: serviceAccount, exp: Math.floor(expiresAt), ca: this.caHash, n: randomBytes(6).toString('base64url') };
    const body = Buffer.from(JSON.stringify(wire)).toString('base64url');
    return `${JOIN_TOKEN_PREFIX}.${body}.${this.#mac(body)}`;
  }

  /** Checks the signature, the shape and the expiry; the reason says which failed (for the log and the 401). Never throws. */
  verify(token: string, now: number): JoinTokenCheck {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== JOIN_TOKEN_PREFIX) return { ok: false, reason: `not a join token (expected ${JOIN_TOKEN_PREFIX}.<claims>.<signature>)` };
    const [, body = '', mac = ''] = parts;
    const expected = Buffer.from(this.#mac(body), 'base64url');
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'the join token\'s signature does not verify (forged, altered, or issued by another control plane or before its key was replaced)' };
    }
    let wire: Partial<WireClaims>;
    try {
      wire = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<WireClaims>;
    } catch {
      return { ok: false, reason: 'the join token\'s claims are not JSON' };
    }
    if (typeof wire.ns !== 'string' || typeof wire.sa !== 'string' || typeof wire.exp !== 'number' || typeof wire.ca !== 'string') {
      return { ok: false, reason: 'the join token\'s claims are incomplete' };
    }
    if (wire.exp <= now) return { ok: false, reason: `the join token expired at ${new Date(wire.exp).toISOString()}` };
    return { ok: true, claims: { namespace: wire.ns, serviceAccount: wire.sa, expiresAt: wire.exp, caHash: wire.ca } };
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(`${JOIN_TOKEN_PREFIX}.${body}`).digest('base64url');
  }
}

/** Why a (namespace, service account) cannot be a token's identity, or null. */
export function identityProblem(namespace: string, serviceAccount: string): string | null {
  return namespaceProblem(namespace) ?? serviceAccountProblem(serviceAccount);
}

/**
 * Reads the claims of a join token WITHOUT checking its signature: what a sidecar may learn from
 * its own token (the identity it stands for, the root hash to pin). Null when it is not one.
 */
export function peekJoinToken(token: string): { namespace: string; serviceAccount: string; expiresAt: number; caHash: string } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== JOIN_TOKEN_PREFIX) return null;
  try {
    const w = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Partial<WireClaims>;
    if (typeof w.ns !== 'string' || typeof w.sa !== 'string' || typeof w.exp !== 'number' || typeof w.ca !== 'string') return null;
    return { namespace: w.ns, serviceAccount: w.sa, expiresAt: w.exp, caHash: w.ca };
  } catch {
    return null;
  }
}
