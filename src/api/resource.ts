/** Resource: the envelope every Istio-API object shares (apiVersion, kind, metadata, spec), as stored and compiled. */
import type { VirtualServiceSpec } from './kinds/virtual-service/types.ts';
import type { DestinationRuleSpec } from './kinds/destination-rule/types.ts';
import type { EnvoyFilterSpec } from './kinds/envoy-filter/types.ts';
import type { LocalRateLimitSpec } from './kinds/local-rate-limit/types.ts';
import type { TelemetrySpec } from './kinds/telemetry/types.ts';
import type { IstioOperatorSpec } from './kinds/istio-operator/types.ts';
import type { PeerAuthenticationSpec } from './kinds/peer-authentication/types.ts';
import type { AuthorizationPolicySpec } from './kinds/authorization-policy/types.ts';

export interface ObjectMeta {
  readonly name: string;
  /** Defaulted to "default" when the YAML leaves it out, as kubectl does. */
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface Resource<K extends string = string, S = unknown> {
  /** As written by the user ("networking.istio.io/v1beta1"); every supported version maps to one internal shape. */
  readonly apiVersion: string;
  readonly kind: K;
  readonly metadata: ObjectMeta;
  readonly spec: S;
}

export type VirtualService = Resource<'VirtualService', VirtualServiceSpec>;
export type DestinationRule = Resource<'DestinationRule', DestinationRuleSpec>;
export type EnvoyFilter = Resource<'EnvoyFilter', EnvoyFilterSpec>;
/** Weft's own LocalRateLimit kind (weft.dev/v1alpha1); named so as not to clash with the proxy's LocalRateLimit stage config. */
export type LocalRateLimitPolicy = Resource<'LocalRateLimit', LocalRateLimitSpec>;
/** Issue 5: Istio's Telemetry (telemetry.istio.io). */
export type Telemetry = Resource<'Telemetry', TelemetrySpec>;
/** Issue 5: Istio's IstioOperator (install.istio.io), read as the mesh config; one per mesh. */
export type IstioOperator = Resource<'IstioOperator', IstioOperatorSpec>;
/** security.istio.io PeerAuthentication (issue 4, item 1). */
export type PeerAuthentication = Resource<'PeerAuthentication', PeerAuthenticationSpec>;
/** security.istio.io AuthorizationPolicy (issue 4, item 2). */
export type AuthorizationPolicy = Resource<'AuthorizationPolicy', AuthorizationPolicySpec>;

/** "<Kind>/<namespace>/<name>": the identity of a resource in the store. */
export function resourceKey(r: Pick<Resource, 'kind' | 'metadata'>): string {
  return `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
}
