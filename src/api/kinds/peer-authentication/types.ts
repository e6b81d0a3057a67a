/**
 * PeerAuthentication (security.istio.io v1beta1, v1), after istio/api security/v1beta1/peer_authentication.proto:
 * which connections a workload's sidecar accepts, mutual TLS, plaintext or both (issue 4, item 1).
 * docs/security-mtls.md describes what Weft does with it.
 */
import type { WorkloadSelector } from '../common-types.ts';
export type { WorkloadSelector };

export const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;
/** UNSET inherits from the next wider scope (workload → namespace → mesh → PERMISSIVE). */
export type PeerAuthenticationMode = (typeof MTLS_MODES)[number];


export interface MutualTLS { readonly mode?: PeerAuthenticationMode }

export interface PeerAuthenticationSpec {
  /** Absent or empty: the whole namespace (the whole mesh, in the root namespace). */
  readonly selector?: WorkloadSelector;
  /** Absent: UNSET. */
  readonly mtls?: MutualTLS;
  /** Keyed by port number (a YAML map key, so a string here); only with a selector. Weft keys it by the service port. */
  readonly portLevelMtls?: Readonly<Record<string, MutualTLS>>;
}
