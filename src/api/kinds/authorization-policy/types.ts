/**
 * AuthorizationPolicy (security.istio.io v1beta1, v1), after istio/api security/v1beta1/authorization.proto:
 * who may call a workload, with which requests (issue 4, item 2). docs/authorization.md describes
 * what Weft does with it.
 */
import type { WorkloadSelector, PolicyTargetReference } from '../common-types.ts';
export type { WorkloadSelector, PolicyTargetReference };

export const AUTHZ_ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] as const;
/** Absent: ALLOW. CUSTOM (an external authorizer) is rejected at apply. */
export type AuthorizationAction = (typeof AUTHZ_ACTIONS)[number];



/** The external authorizer of a CUSTOM policy; rejected by Weft. */
export interface ExtensionProvider { readonly name?: string }

/** Who sent the request; AND across the fields set, OR across the values of one field. */
export interface Source {
  /** Peer identities from the client certificate, "<trust domain>/ns/<ns>/sa/<sa>"; exact, "prefix*", "*suffix" or "*". */
  readonly principals?: readonly string[];
  readonly notPrincipals?: readonly string[];
  /** JWT "<iss>/<sub>"; Weft has no RequestAuthentication, so a request never has one. */
  readonly requestPrincipals?: readonly string[];
  readonly notRequestPrincipals?: readonly string[];
  /** Namespace of the peer identity. */
  readonly namespaces?: readonly string[];
  readonly notNamespaces?: readonly string[];
  /** IP or CIDR of the connection's peer (source.ip). */
  readonly ipBlocks?: readonly string[];
  readonly notIpBlocks?: readonly string[];
  /** IP or CIDR of the original client (remote.ip). */
  readonly remoteIpBlocks?: readonly string[];
  readonly notRemoteIpBlocks?: readonly string[];
}

/** What the request does; AND across the fields set, OR across the values of one field. */
export interface Operation {
  /** Host (the :authority), case-insensitive; exact, "prefix*", "*suffix" or "*". */
  readonly hosts?: readonly string[];
  readonly notHosts?: readonly string[];
  /** Destination ports, as strings ("8080"). */
  readonly ports?: readonly string[];
  readonly notPorts?: readonly string[];
  readonly methods?: readonly string[];
  readonly notMethods?: readonly string[];
  /** The path without its query; exact, "prefix*", "*suffix" or "*". */
  readonly paths?: readonly string[];
  readonly notPaths?: readonly string[];
}

export interface RuleFrom { readonly source?: Source }
export interface RuleTo { readonly operation?: Operation }

/** One more attribute condition: `key` must have one of `values` and none of `notValues`. */
export interface Condition {
  /** "request.headers[x-token]", "source.ip", "destination.port", … (docs/authorization.md lists them). */
  readonly key: string;
  readonly values?: readonly string[];
  readonly notValues?: readonly string[];
}

/** Matches when any `from` matches (or none is given), any `to` matches (or none) and every `when` holds. */
export interface Rule {
  readonly from?: readonly RuleFrom[];
  readonly to?: readonly RuleTo[];
  readonly when?: readonly Condition[];
}

export interface AuthorizationPolicySpec {
  /** Absent or empty: every workload of the namespace (of the mesh, in the root namespace). */
  readonly selector?: WorkloadSelector;
  readonly targetRef?: PolicyTargetReference;
  readonly targetRefs?: readonly PolicyTargetReference[];
  /** Absent: no rule, which for ALLOW matches nothing (deny all) and for DENY nothing (no effect). */
  readonly rules?: readonly Rule[];
  readonly action?: AuthorizationAction;
  readonly provider?: ExtensionProvider;
}
