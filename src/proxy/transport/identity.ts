/** Peer identity on the proxy side: the SPIFFE id in a TLS peer's certificate, read from what node:tls gives, cheap enough for every new connection. */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { WeftError } from '../../lib/errors.ts';
import { parseSpiffeId, principalOf, SPIFFE_PREFIX, type SpiffeId } from '../../model/spiffe.ts';

export interface PeerIdentity {
  /** `spiffe://cluster.local/ns/default/sa/order-service` */
  readonly spiffeId: string;
  readonly id: SpiffeId;
  /** Istio's principal form: `cluster.local/ns/default/sa/order-service`. */
  readonly principal: string;
}

/** WEFT_TLS_PEER_IDENTITY: the server's certificate does not carry the SPIFFE id the client expected. */
export class PeerIdentityError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_TLS_PEER_IDENTITY', message, options);
  }
}

/** Upper bound on SAN entries read; a certificate with more is not a workload certificate. */
const MAX_SAN_ENTRIES = 64;

/**
 * The SPIFFE id in Node's `subjectaltname` string (`getPeerCertificate().subjectaltname`,
 * `X509Certificate#subjectAltName`), e.g. `"DNS:a, URI:spiffe://cluster.local/ns/x/sa/y"`.
 * Node writes entries as `TYPE:value` joined by ", ", and JSON-quotes a value holding a comma,
 * quote or control character (CVE-2021-44532), so a hostile name cannot forge an entry.
 * Returns the URI only when it is the certificate's one URI SAN and starts with `spiffe://`
 * (SPIFFE X.509-SVID §2: exactly one URI SAN); null otherwise. It does not check the id's form:
 * peerIdentity() does.
 */
export function spiffeIdFromSubjectAltName(san: string | null | undefined): string | null {
  if (typeof san !== 'string' || san.length === 0) return null;
  let uri: string | null = null;
  let uris = 0;
  let i = 0;
  for (let entries = 0; i < san.length && entries < MAX_SAN_ENTRIES; entries++) {
    const colon = san.indexOf(':', i);
    if (colon < 0) return null;
    const type = san.slice(i, colon);
    let value: string;
    let end: number;
    if (san.charCodeAt(colon + 1) === 0x22 /* " */) {
      end = closingQuote(san, colon + 2);
      if (end < 0) return null;
      try {
        value = JSON.parse(san.slice(colon + 1, end + 1)) as string;
      } catch {
        return null;
      }
      end += 1;
    } else {
      const comma = san.indexOf(', ', colon + 1);
      end = comma < 0 ? san.length : comma;
      value = san.slice(colon + 1, end);
    }
    if (type === 'URI') {
      uris++;
      uri = value;
    }
    if (end < san.length && !san.startsWith(', ', end)) return null;
    i = end + 2;
  }
  if (i < san.length) return null; // more entries than MAX_SAN_ENTRIES
  if (uris !== 1 || uri === null || !uri.startsWith(SPIFFE_PREFIX)) return null;
  return uri;
}

/**
 * The verified SPIFFE identity of a TLS peer, or null when the peer is not authorized (its
 * chain did not verify against our trust bundle), sent no certificate, or its certificate holds
 * no single well-formed mesh SPIFFE id. Call it once, in 'secureConnection' (server) or
 * 'secureConnect' (client), and keep the result: each call asks OpenSSL for the certificate
 * again, and on the client side Node stops returning the peer certificate once TLS 1.3 session
 * tickets have arrived (seen with Node 24 / OpenSSL 3).
 */
export function peerIdentity(socket: TLSSocket): PeerIdentity | null {
  // An identity is worth something only if the chain verified: with rejectUnauthorized:false
  // (PERMISSIVE mode later) an unverified certificate can claim any id.
  if (!socket.authorized) return null;
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return null;
  return identityOf(spiffeIdFromSubjectAltName(cert.subjectAltName));
}

/**
 * A `checkServerIdentity` for `tls.connect`: instead of matching the host name (workload
 * certificates carry no DNS names), require the server's SPIFFE id to be `expected`, one of
 * `expected`, or accepted by it. Node calls it only after the chain verified.
 */
export function checkServerSpiffeId(
  expected: string | readonly string[] | ((peer: PeerIdentity) => boolean),
): (host: string, cert: PeerCertificate) => Error | undefined {
  const accepts =
    typeof expected === 'function' ? expected
    : typeof expected === 'string' ? (p: PeerIdentity) => p.spiffeId === expected
    : (p: PeerIdentity) => expected.includes(p.spiffeId);
  return (_host, cert) => {
    const peer = identityOf(spiffeIdFromSubjectAltName(cert.subjectaltname));
    if (peer === null) return new PeerIdentityError(`the server's certificate carries no SPIFFE id (subjectAltName: ${cert.subjectaltname ?? 'none'})`);
    if (!accepts(peer)) {
      const want = typeof expected === 'function' ? 'an accepted identity' : JSON.stringify(expected);
      return new PeerIdentityError(`the server is ${peer.spiffeId}, expected ${want}`);
    }
    return undefined;
  };
}

function identityOf(uri: string | null): PeerIdentity | null {
  if (uri === null) return null;
  const parsed = parseSpiffeId(uri);
  if (!parsed.ok) return null;
  return { spiffeId: uri, id: parsed.id, principal: principalOf(parsed.id) };
}

/** Index of the quote closing a JSON string whose body starts at `from`, or -1. */
function closingQuote(s: string, from: number): number {
  for (let j = from; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c /* \ */) j++;
    else if (c === 0x22) return j;
  }
  return -1;
}
