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
  /** Local rate limit of the outbound listener (requests this workload sends), if any. */
  readonly outboundRateLimit?: LocalRateLimit;
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
  /**
   * Whole-request timeout in ms, from the request's start until the response is complete
   * (Envoy's route timeout; Istio's http[].timeout). Absent: none (Istio's default).
   */
  readonly timeoutMs?: number;
  /** Absent: no retries at all (the compiler fills in Istio's default policy when the VS gives none). */
  readonly retry?: RetryPolicy;
  readonly fault?: FaultPolicy;
  /** Copies of each request sent to other clusters, answers discarded (Istio's mirror / mirrors). */
  readonly mirrors?: readonly MirrorPolicy[];
}

/** Envoy's retry_on conditions (x-envoy-retry-on), gRPC ones included for when gRPC lands. */
export const RETRY_CONDITIONS = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'refused-stream',
  'retriable-4xx',
  'retriable-status-codes',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;
export type RetryCondition = (typeof RETRY_CONDITIONS)[number];

export interface RetryPolicy {
  /** Retries after the first attempt (Istio's `attempts`). */
  readonly maxRetries: number;
  /** Per-attempt timeout in ms; absent: each attempt is bounded only by the route timeout. */
  readonly perTryTimeoutMs?: number;
  readonly retryOn: readonly RetryCondition[];
  /** Statuses retried under 'retriable-status-codes'. */
  readonly retriableStatusCodes: readonly number[];
  /** Jittered exponential backoff between attempts (Envoy: base 25 ms, max 10 × base). */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** A retry prefers an endpoint not tried yet (Envoy's previous_hosts predicate, which Istio sets). */
  readonly avoidPreviousHosts: boolean;
}

export interface FaultPolicy {
  /** Delay a share of requests before forwarding them (flag DI). */
  readonly delay?: { readonly fixedDelayMs: number; readonly percent: number };
  /** Answer a share of requests locally with a status instead of forwarding them (flag FI); never retried. */
  readonly abort?: { readonly httpStatus?: number; readonly grpcStatus?: string; readonly percent: number };
}

export interface MirrorPolicy {
  /** Name of a cluster in ProxyConfig.clusters; the copy's Host gets "-shadow" appended, as Envoy does. */
  readonly cluster: string;
  /** Share of requests mirrored, 0–100 (may be fractional). */
  readonly percent: number;
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
  /** Envoy's circuit-breaker thresholds and pool settings (DestinationRule connectionPool); absent: Istio's defaults. */
  readonly connectionPool?: ConnectionPoolPolicy;
  /** Absent: no outlier detection. */
  readonly outlierDetection?: OutlierPolicy;
}

export interface ConnectionPoolPolicy {
  /** Connections to all endpoints of the cluster together (tcp.maxConnections). */
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  /** Requests waiting for a connection (http.http1MaxPendingRequests). */
  readonly maxPendingRequests: number;
  /** Requests in flight to the cluster (http.http2MaxRequests, Envoy's max_requests). */
  readonly maxRequests: number;
  /** A connection is closed after this many requests; 0 = unlimited. */
  readonly maxRequestsPerConnection: number;
  /** Retries in flight to the cluster (http.maxRetries). */
  readonly maxRetries: number;
  /** An idle upstream connection is closed after this long (http.idleTimeout). */
  readonly idleTimeoutMs: number;
}

export interface OutlierPolicy {
  /** Eject after this many consecutive 5xx (or local failures); 0 = off. */
  readonly consecutive5xxErrors: number;
  /** Eject after this many consecutive 502/503/504 (or local failures); 0 = off. */
  readonly consecutiveGatewayErrors: number;
  /** How often ejections are reviewed. */
  readonly intervalMs: number;
  /** An endpoint's ejection lasts this × the number of times it has been ejected. */
  readonly baseEjectionTimeMs: number;
  /** At most this share of the cluster's endpoints is ejected at once. */
  readonly maxEjectionPercent: number;
  /** Below this share of healthy endpoints, ejections are ignored (panic: use all endpoints). */
  readonly minHealthPercent: number;
}

/** Envoy's local_ratelimit token bucket. */
export interface LocalRateLimit {
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
  /** Share of requests the limit is evaluated for (filter_enabled), 0–100. */
  readonly enabledPercent: number;
  /** Share of limited requests actually refused (filter_enforced), 0–100; the rest only counted. */
  readonly enforcedPercent: number;
  /** Added to every response the limit refuses (response_headers_to_add), lower-case names. */
  readonly responseHeaders: readonly (readonly [string, string])[];
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
  /** Local rate limit on requests to this workload, if any. */
  readonly rateLimit?: LocalRateLimit;
}
