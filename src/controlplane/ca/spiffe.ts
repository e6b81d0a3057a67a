/** Which identity a CSR asks for, and whether this CA grants it: exactly one URI SAN holding a SPIFFE id of the CA's trust domain (SPIFFE X.509-SVID §2). */
// Issue 4 (CSR authentication) adds its check here: "may this caller have this identity?".
import { messageOf } from '../../lib/errors.ts';
import { x509 } from '../../lib/x509.ts';
import { formatSpiffeId, parseSpiffeId, type SpiffeId } from '../../model/spiffe.ts';
import { IdentityRejectedError } from './errors.ts';

export interface RequestedIdentity {
  /** Canonical form, as it goes into the leaf's SAN. */
  readonly uri: string;
  readonly id: SpiffeId;
}

const SAN_OID = '2.5.29.17';

/**
 * The SPIFFE id a CSR requests. Everything else in the CSR (subject, other extensions such as
 * basicConstraints) is ignored: the CA decides the leaf's contents, the CSR only proposes a
 * key and an identity. Throws IdentityRejectedError with the reason.
 */
export function requestedIdentity(csr: x509.Pkcs10CertificateRequest, trustDomain: string): RequestedIdentity {
  let names: readonly x509.GeneralName[];
  try {
    const sans = csr.getExtensions(SAN_OID);
    if (sans.length !== 1) {
      throw new IdentityRejectedError(
        sans.length === 0
          ? `the CSR has no subjectAltName: ask for exactly one URI SAN spiffe://${trustDomain}/ns/<namespace>/sa/<service-account>`
          : `the CSR has ${sans.length} subjectAltName extensions; it must have exactly one`,
      );
    }
    const san = sans[0];
    if (!(san instanceof x509.SubjectAlternativeNameExtension)) throw new Error('not a subjectAltName extension');
    names = san.names.items;
  } catch (err) {
    if (err instanceof IdentityRejectedError) throw err;
    throw new IdentityRejectedError(`the CSR's subjectAltName cannot be read (${messageOf(err)})`, { cause: err });
  }
  if (names.length !== 1 || names[0]!.type !== 'url') {
    const listed = names.map((n) => `${n.type}:${n.value}`).join(', ');
    throw new IdentityRejectedError(`the CSR must carry exactly one subjectAltName, a URI (SPIFFE id); it carries ${names.length}: ${listed}`);
  }
  const uri = names[0]!.value;
  const parsed = parseSpiffeId(uri);
  if (!parsed.ok) throw new IdentityRejectedError(`the CSR's SPIFFE id is not valid: ${parsed.reason}`);
  if (parsed.id.trustDomain !== trustDomain) {
    throw new IdentityRejectedError(`the CSR asks for trust domain "${parsed.id.trustDomain}", but this CA signs only for "${trustDomain}"`);
  }
  return { uri: formatSpiffeId(parsed.id), id: parsed.id };
}
