/** SPIFFE ids as the mesh writes them, `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`: parse, format, and Istio's principal form. */
import { WeftError } from '../lib/errors.ts';

/**
 * The one shape of workload identity in Weft (Istio's). Rules, stricter than the SPIFFE-ID
 * spec allows but what Kubernetes names allow, so every id round-trips through
 * parse/format unchanged:
 * - trust domain: 1–255 of `a-z 0-9 . - _` (SPIFFE-ID §2.1; upper case is rejected, not folded);
 * - namespace: an RFC 1123 label (`a-z 0-9 -`, alphanumeric at both ends, ≤ 63), as Kubernetes requires;
 * - service account: an RFC 1123 subdomain (dot-separated such labels, ≤ 253), as Kubernetes requires;
 * - no port, user info, query, fragment, percent-encoding or trailing slash; ≤ 2048 bytes in all.
 */
export interface SpiffeId {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export type SpiffeIdParse =
  | { readonly ok: true; readonly id: SpiffeId }
  | { readonly ok: false; readonly reason: string };

export const SPIFFE_PREFIX = 'spiffe://';

/** SPIFFE-ID §2.3: a SPIFFE id is at most 2048 bytes. */
const MAX_ID_LENGTH = 2048;
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** Thrown by the `must*` helpers and by formatSpiffeId; callers that can recover use parseSpiffeId's result instead. */
export class InvalidSpiffeIdError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_SPIFFE_ID_INVALID', message, options);
  }
}

/** Why `td` is not a valid trust domain, or null when it is. */
export function trustDomainProblem(td: string): string | null {
  if (TRUST_DOMAIN.test(td)) return null;
  return `trust domain ${JSON.stringify(td)} must be 1–255 characters of a-z, 0-9, '.', '-', '_'`;
}

/** Why `ns` is not a valid namespace, or null when it is. */
export function namespaceProblem(ns: string): string | null {
  if (DNS_LABEL.test(ns)) return null;
  return `namespace ${JSON.stringify(ns)} must be a DNS label: 1–63 characters of a-z, 0-9, '-', starting and ending with a letter or digit`;
}

/** Why `sa` is not a valid service account name, or null when it is. */
export function serviceAccountProblem(sa: string): string | null {
  if (sa.length <= 253 && DNS_SUBDOMAIN.test(sa)) return null;
  return `service account ${JSON.stringify(sa)} must be a DNS subdomain: dot-separated labels of a-z, 0-9, '-', at most 253 characters`;
}

/** Parses `spiffe://td/ns/x/sa/y`. Never throws: this runs on untrusted input (CSRs, peer certificates). */
export function parseSpiffeId(uri: string): SpiffeIdParse {
  if (typeof uri !== 'string') return fail('a SPIFFE id must be a string');
  if (uri.length > MAX_ID_LENGTH) return fail(`a SPIFFE id is at most ${MAX_ID_LENGTH} bytes`);
  if (!uri.startsWith(SPIFFE_PREFIX)) return fail(`${JSON.stringify(uri)} does not start with "${SPIFFE_PREFIX}"`);
  const rest = uri.slice(SPIFFE_PREFIX.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash < 0 ? rest : rest.slice(0, slash);
  const tdProblem = trustDomainProblem(trustDomain);
  if (tdProblem !== null) return fail(`${JSON.stringify(uri)}: ${tdProblem}`);
  const segments = slash < 0 ? [] : rest.slice(slash + 1).split('/');
  if (segments.length !== 4 || segments[0] !== 'ns' || segments[2] !== 'sa') {
    return fail(`${JSON.stringify(uri)} is not of the form spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`);
  }
  const namespace = segments[1]!;
  const serviceAccount = segments[3]!;
  const problem = namespaceProblem(namespace) ?? serviceAccountProblem(serviceAccount);
  if (problem !== null) return fail(`${JSON.stringify(uri)}: ${problem}`);
  return { ok: true, id: { trustDomain, namespace, serviceAccount } };
}

/** parseSpiffeId for trusted input (configuration): throws InvalidSpiffeIdError. */
export function mustParseSpiffeId(uri: string): SpiffeId {
  const parsed = parseSpiffeId(uri);
  if (!parsed.ok) throw new InvalidSpiffeIdError(parsed.reason);
  return parsed.id;
}

/** `spiffe://td/ns/x/sa/y`; throws InvalidSpiffeIdError when a part breaks the rules above. */
export function formatSpiffeId(id: SpiffeId): string {
  const problem = trustDomainProblem(id.trustDomain) ?? namespaceProblem(id.namespace) ?? serviceAccountProblem(id.serviceAccount);
  if (problem !== null) throw new InvalidSpiffeIdError(problem);
  return `${SPIFFE_PREFIX}${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/**
 * The principal as Istio's AuthorizationPolicy writes it: the SPIFFE id without its scheme,
 * `cluster.local/ns/default/sa/order-service`. A string is stripped of `spiffe://` as Istio
 * does (`strings.TrimPrefix`), without further checks.
 */
export function principalOf(id: SpiffeId | string): string {
  if (typeof id === 'string') return id.startsWith(SPIFFE_PREFIX) ? id.slice(SPIFFE_PREFIX.length) : id;
  return `${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

function fail(reason: string): SpiffeIdParse {
  return { ok: false, reason };
}
