/**
 * EnvoyFilter spec as Istio defines it (networking.istio.io/v1alpha3), after istio/api
 * envoy_filter.proto's JSON form. Weft accepts the whole shape but acts on one kind of patch only:
 * an HTTP_FILTER patch that inserts Envoy's local rate limit filter (local-ratelimit.ts holds that
 * filter's config); validate.ts rejects every other patch at apply.
 */

export const APPLY_TO = [
  'INVALID', 'LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER', 'ROUTE_CONFIGURATION', 'VIRTUAL_HOST',
  'HTTP_ROUTE', 'CLUSTER', 'EXTENSION_CONFIG', 'BOOTSTRAP', 'LISTENER_FILTER',
] as const;
export type ApplyTo = (typeof APPLY_TO)[number];

export const PATCH_CONTEXTS = ['ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY', 'WAYPOINT'] as const;
export type PatchContext = (typeof PATCH_CONTEXTS)[number];

export const PATCH_OPERATIONS = ['INVALID', 'MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE'] as const;
export type PatchOperation = (typeof PATCH_OPERATIONS)[number];

export const FILTER_CLASSES = ['UNSPECIFIED', 'AUTHN', 'AUTHZ', 'STATS'] as const;
export type FilterClass = (typeof FILTER_CLASSES)[number];

export const ROUTE_ACTIONS = ['ANY', 'ROUTE', 'REDIRECT', 'DIRECT_RESPONSE'] as const;
export type RouteAction = (typeof ROUTE_ACTIONS)[number];

export interface ProxyMatch {
  readonly proxyVersion?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ClusterMatch {
  readonly portNumber?: number;
  readonly service?: string;
  readonly subset?: string;
  readonly name?: string;
}

export interface RouteMatch {
  readonly name?: string;
  readonly action?: RouteAction;
}

export interface VirtualHostMatch {
  readonly name?: string;
  readonly route?: RouteMatch;
  readonly domainName?: string;
}

export interface RouteConfigurationMatch {
  readonly portNumber?: number;
  readonly portName?: string;
  readonly gateway?: string;
  readonly vhost?: VirtualHostMatch;
  readonly name?: string;
}

export interface SubFilterMatch { readonly name?: string }

export interface FilterMatch {
  readonly name?: string;
  readonly subFilter?: SubFilterMatch;
}

export interface FilterChainMatch {
  readonly name?: string;
  readonly sni?: string;
  readonly transportProtocol?: string;
  readonly applicationProtocols?: string;
  readonly filter?: FilterMatch;
  readonly destinationPort?: number;
}

export interface ListenerMatch {
  readonly portNumber?: number;
  readonly portName?: string;
  readonly filterChain?: FilterChainMatch;
  readonly listenerFilter?: string;
  readonly name?: string;
}

export interface EnvoyConfigObjectMatch {
  readonly context?: PatchContext;
  readonly proxy?: ProxyMatch;
  readonly listener?: ListenerMatch;
  readonly routeConfiguration?: RouteConfigurationMatch;
  readonly cluster?: ClusterMatch;
}

export interface Patch {
  readonly operation?: PatchOperation;
  /** google.protobuf.Struct: the Envoy config being patched in, in Envoy's JSON (snake_case) names. */
  readonly value?: Readonly<Record<string, unknown>>;
  readonly filterClass?: FilterClass;
}

export interface EnvoyConfigObjectPatch {
  readonly applyTo?: ApplyTo;
  readonly match?: EnvoyConfigObjectMatch;
  readonly patch?: Patch;
}

export interface WorkloadSelector { readonly labels?: Readonly<Record<string, string>> }

export interface PolicyTargetReference {
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}

export interface EnvoyFilterSpec {
  readonly workloadSelector?: WorkloadSelector;
  readonly targetRefs?: readonly PolicyTargetReference[];
  readonly configPatches?: readonly EnvoyConfigObjectPatch[];
  readonly priority?: number;
}
