/**
 * ProxyConfig: the whole contract between the compiler and the sidecar. The proxy knows nothing
 * else (no Istio resources, no registry): what is not in here does not exist for it. Shaped after
 * Envoy's split: virtual hosts → ordered routes → weighted clusters → endpoints.
 * Plain, readonly, JSON-serialisable data; `validate.ts` checks it on the proxy side.
 */

export interface ProxyConfig {
  /** Content version, set by the control plane when it snapshots the config (a hash). */
  readonly version: string;
  /** Who this config was compiled for. */
  readonly node: NodeInfo;
  /** Trust domain of SPIFFE identities in this mesh, e.g. "cluster.local". */
  readonly trustDomain: string;
  /** Outbound routing table: the outbound listener picks a virtual host by the request's authority. */
  readonly virtualHosts: readonly VirtualHost[];
  /** Outbound clusters (service × port × subset), referenced by name from routes. */
  readonly clusters: readonly Cluster[];
  /** What the inbound listener enforces before handing a request to the local app. */
  readonly inbound: InboundConfig;
}

export interface NodeInfo {
  /** Proxy id: "<workload>.<namespace>". */
  readonly id: string;
  readonly workload: string;
  readonly namespace: string;
  readonly service: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface VirtualHost {
  /** "<fqdn>:<port>", e.g. "user-service.default.svc.cluster.local:8080". */
  readonly name: string;
  /**
   * Lower-case authorities this virtual host answers to, with and without the port
   * ("user-service", "user-service:8080", "user-service.default", … FQDN). Unique across the config.
   */
  readonly domains: readonly string[];
  /** First match wins. */
  readonly routes: readonly Route[];
}

export interface Route {
  /** Stable name for logs and config dumps: the http[].name when set (with "#<index>" on repeats), else "<vs-namespace>/<vs-name>#<http index>", or "default". */
  readonly name: string;
  /** OR across entries; an empty list matches every request. */
  readonly match: readonly RouteMatch[];
  readonly action: RouteAction;
}

/** AND across the fields that are present. */
export interface RouteMatch {
  readonly uri?: StringMatch;
  readonly method?: StringMatch;
  readonly authority?: StringMatch;
  readonly scheme?: StringMatch;
  /** Lower-case header names. */
  readonly headers?: readonly HeaderMatch[];
  readonly queryParams?: readonly QueryParamMatch[];
  /** Compare the URI case-insensitively (Istio's ignoreUriCase). */
  readonly ignoreUriCase?: boolean;
}

export type StringMatch =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'prefix'; readonly value: string }
  /** RE2-compatible pattern; must match the whole value (Envoy's safe_regex semantics). */
  | { readonly kind: 'regex'; readonly value: string }
  /** Istio's empty StringMatch `{}` on a header: the header must be present, any value. */
  | { readonly kind: 'present' };

export interface HeaderMatch {
  readonly name: string;
  readonly match: StringMatch;
  /** True for Istio's withoutHeaders: the request must NOT match. */
  readonly invert: boolean;
}

export interface QueryParamMatch {
  readonly name: string;
  readonly match: StringMatch;
}

export interface RouteAction {
  /** Weighted choice; weights are non-negative integers with a positive sum. */
  readonly clusters: readonly WeightedCluster[];
}

export interface WeightedCluster {
  /** Name of a cluster in ProxyConfig.clusters. */
  readonly cluster: string;
  readonly weight: number;
}

export const LB_POLICIES = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'] as const;
export type LbPolicy = (typeof LB_POLICIES)[number];

export interface Cluster {
  /** Istio's naming: "outbound|<port>|<subset>|<fqdn>", e.g. "outbound|8080|v1|user-service.default.svc.cluster.local". */
  readonly name: string;
  /** FQDN of the service. */
  readonly service: string;
  /** The service port callers use. */
  readonly port: number;
  /** Subset name, or "" for the whole service. */
  readonly subset: string;
  readonly lbPolicy: LbPolicy;
  /** How the sidecar talks to the endpoints: always mTLS to peer sidecars in this issue. */
  readonly transport: 'ISTIO_MUTUAL';
  readonly endpoints: readonly Endpoint[];
}

export interface Endpoint {
  /** Where the peer sidecar's inbound (mTLS) listener accepts, e.g. "127.0.0.1". */
  readonly address: string;
  readonly port: number;
  /** The peer's SPIFFE identity; the client verifies the server certificate carries it. */
  readonly identity: string;
  /** Workload name, for access logs and debugging. */
  readonly workload: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface InboundConfig {
  /** Service ports this workload serves (the ports callers use), for logs and metrics. */
  readonly ports: readonly number[];
}
