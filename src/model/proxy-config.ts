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
  /**
   * Issue 5 (observability): tracing, access log and metrics settings from mesh config
   * (IstioOperator meshConfig) and Telemetry resources. Absent: Weft's defaults (no spans, trace
   * headers still propagated; JSON access log on; metrics on).
   */
  readonly telemetry?: TelemetryConfig;
}

/** Issue 5: what the sidecar records about each request, and where spans go. */
export interface TelemetryConfig {
  /** Absent: no spans are made or exported (trace headers are still propagated unchanged). */
  readonly tracing?: TracingConfig;
  /** Absent: no access log (Istio's default; compile/telemetry.ts). */
  readonly accessLog?: AccessLogConfig;
  /** Absent: metrics on. */
  readonly metrics?: { readonly enabled: boolean };
}

/** Issue 5: span sampling and export (Istio's tracing providers and sampling, Envoy's tracer settings). */
export interface TracingConfig {
  /** Share of new traces sampled at the edge, 0–100 (may be fractional); an incoming decision always wins. */
  readonly samplingPercent: number;
  /** Collectors every span batch goes to (besides the control plane's own trace store). */
  readonly exporters: readonly TraceExporter[];
  /** Extra span tags (Istio's customTags), in tag order. */
  readonly customTags: readonly CustomTag[];
  /** http.url and the span name are cut to this many characters (Istio's maxPathTagLength, default 256). */
  readonly maxPathTagLength: number;
}

export const TRACE_EXPORT_PROTOCOLS = ['otlp-http', 'zipkin'] as const;

export interface TraceExporter {
  /** otlp-http: OTLP/HTTP JSON; zipkin: Zipkin v2 JSON. */
  readonly protocol: (typeof TRACE_EXPORT_PROTOCOLS)[number];
  /** The full URL spans are POSTed to ("http://otel-collector:4318/v1/traces", "http://zipkin:9411/api/v2/spans"). */
  readonly url: string;
  /** Headers sent with every batch (Istio's opentelemetry.http.headers), in order. */
  readonly headers?: readonly ExportHeader[];
  /** How long a POST may take before it counts as failed (Istio's opentelemetry.http.timeout); absent: 5 s. */
  readonly timeoutMs?: number;
}

/** A header of a collector's requests: a literal value, or the value of an environment variable of the sidecar (unset: not sent). */
export type ExportHeader = { readonly name: string; readonly value: string } | { readonly name: string; readonly envName: string };

export type CustomTag =
  | { readonly tag: string; readonly kind: 'literal'; readonly value: string }
  /** The request header's value (lower-case name), or defaultValue when absent (no tag when neither). */
  | { readonly tag: string; readonly kind: 'header'; readonly header: string; readonly defaultValue?: string }
  /** The sidecar's environment variable `name` (read once per config), or defaultValue when unset (no tag when neither). */
  | { readonly tag: string; readonly kind: 'environment'; readonly name: string; readonly defaultValue?: string };

/** Issue 5: the access log line (other engineers implement the formats in the proxy). */
export interface AccessLogConfig {
  readonly enabled: boolean;
  readonly format: 'json' | 'text';
  /** Envoy's command-operator format string for 'text'; absent: Envoy's default text format. */
  readonly textFormat?: string;
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
  /**
   * How the sidecar talks to the endpoints (issue 4, item 1; 'ISTIO_MUTUAL' was the only value before):
   * AUTO = mesh mTLS to endpoints that accept it, plaintext to those with `mtls: false` (auto mTLS);
   * ISTIO_MUTUAL = mesh mTLS to every endpoint; DISABLE = plaintext; SIMPLE / MUTUAL = TLS with `tls`.
   */
  readonly transport: ClusterTransport;
  /** Issue 4: for SIMPLE / MUTUAL only, the DestinationRule's TLS origination settings. */
  readonly tls?: UpstreamTls;
  readonly endpoints: readonly Endpoint[];
  /** Envoy's circuit-breaker thresholds and pool settings (DestinationRule connectionPool); absent: Istio's defaults. */
  readonly connectionPool?: ConnectionPoolPolicy;
  /** Absent: no outlier detection. */
  readonly outlierDetection?: OutlierPolicy;
}

export const CLUSTER_TRANSPORTS = ['AUTO', 'ISTIO_MUTUAL', 'DISABLE', 'SIMPLE', 'MUTUAL'] as const;
/** Issue 4: see Cluster.transport. */
export type ClusterTransport = (typeof CLUSTER_TRANSPORTS)[number];

/** Issue 4: TLS origination (DestinationRule tls SIMPLE / MUTUAL). File paths are read by the sidecar; an unreadable one NACKs the config. */
export interface UpstreamTls {
  /** PEM CA bundle verifying the server; absent: Node's bundled public roots. */
  readonly caCertificates?: string;
  /** MUTUAL: PEM client certificate chain and key files. */
  readonly clientCertificate?: string;
  readonly privateKey?: string;
  /** SNI sent in the ClientHello; absent: the cluster's service FQDN. */
  readonly sni?: string;
  /** The server certificate must carry one of these (DNS or URI SAN); empty: the usual hostname check against sni. */
  readonly subjectAltNames: readonly string[];
  /** Do not verify the server certificate at all. */
  readonly insecureSkipVerify: boolean;
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
  /** Issue 4: false when this peer takes only plaintext on this port (its PeerAuthentication says DISABLE); absent: true. Read by AUTO clusters. */
  readonly mtls?: boolean;
}

export interface InboundConfig {
  /** Service ports this workload serves (the ports callers use), for logs and metrics. */
  readonly ports: readonly number[];
  /** Local rate limit on requests to this workload, if any. */
  readonly rateLimit?: LocalRateLimit;
  /** Issue 4: which connections the inbound listener accepts (PeerAuthentication); absent: PERMISSIVE. */
  readonly mtls?: InboundMtls;
  /**
   * Issue 4 (AuthorizationPolicy): the policies that apply to this workload, already scoped;
   * absent: none applies and every request is allowed. Optional, so older configs stay valid.
   */
  readonly authorization?: InboundAuthorization;
}

export const MTLS_MODES = ['STRICT', 'PERMISSIVE', 'DISABLE'] as const;
/** Issue 4: STRICT = mTLS only; PERMISSIVE = mTLS or plaintext on the same port; DISABLE = plaintext only. */
export type MtlsMode = (typeof MTLS_MODES)[number];

/** Issue 4: the workload's mode, and overrides keyed by service port (the port in callers' URLs). */
export interface InboundMtls {
  readonly mode: MtlsMode;
  readonly portModes?: readonly { readonly port: number; readonly mode: MtlsMode }[];
}

/**
 * Issue 4: Envoy's RBAC filter for the inbound listener, compiled from every AuthorizationPolicy
 * that applies to this workload (docs/authorization.md). Order: any DENY rule matching refuses
 * (403); then, when `allow` is not empty, a request must match a rule of one ALLOW policy; AUDIT
 * matches are only logged. Policies are sorted by name, rules keep their order.
 */
export interface InboundAuthorization {
  readonly deny: readonly AuthzPolicy[];
  /** Empty: every request that no DENY refused is allowed. A policy without rules matches nothing (Istio's allow-nothing). */
  readonly allow: readonly AuthzPolicy[];
  readonly audit: readonly AuthzPolicy[];
  /** The address peers connect to for this workload: what `destination.ip` conditions are compared with. */
  readonly destinationIp: string;
}

export interface AuthzPolicy {
  /** Istio's policy id, "ns[<namespace>]-policy[<name>]"; a denial's details add "-rule[<index>]". */
  readonly name: string;
  /** OR across rules; empty: matches nothing. */
  readonly rules: readonly AuthzRule[];
}

/** AND of its three parts; a rule with all three empty (Istio's `rules: [{}]`) matches every request. */
export interface AuthzRule {
  /** OR across entries (one per `from[]`), each an AND of checks; empty: any source. */
  readonly from: readonly (readonly AuthzCheck[])[];
  /** OR across entries (one per `to[]`), each an AND of checks; empty: any operation. */
  readonly to: readonly (readonly AuthzCheck[])[];
  /** AND (one per `when[]`, values and notValues as two checks). */
  readonly when: readonly AuthzCheck[];
}

/**
 * String attributes: source.principal ("cluster.local/ns/x/sa/y", empty for a plaintext caller),
 * source.namespace (of that principal), request.host (the authority with its port, lower-case),
 * request.method, request.path (without the query), connection.sni.
 */
export const AUTHZ_STRING_ATTRIBUTES = ['source.principal', 'source.namespace', 'request.host', 'request.method', 'request.path', 'connection.sni'] as const;
export type AuthzStringAttribute = (typeof AUTHZ_STRING_ATTRIBUTES)[number];
/** source.ip: the connection's peer; remote.ip: the original client (the same: no trusted XFF hop); destination.ip: InboundAuthorization.destinationIp. */
export const AUTHZ_IP_ATTRIBUTES = ['source.ip', 'remote.ip', 'destination.ip'] as const;
export type AuthzIpAttribute = (typeof AUTHZ_IP_ATTRIBUTES)[number];

/** One attribute against a set of values, true when any value matches; `negate` (the not-forms, notValues) inverts that. */
export type AuthzCheck =
  | { readonly attribute: AuthzStringAttribute; readonly values: readonly AuthzStringMatch[]; readonly negate: boolean }
  /** A request header (lower-case name); several fields of one name are matched joined with ",", as Envoy does. */
  | { readonly attribute: 'request.header'; readonly header: string; readonly values: readonly AuthzStringMatch[]; readonly negate: boolean }
  /** IP addresses or CIDR blocks ("10.0.0.0/8", "::1"). */
  | { readonly attribute: AuthzIpAttribute; readonly cidrs: readonly string[]; readonly negate: boolean }
  /** The service port the caller addressed. */
  | { readonly attribute: 'destination.port'; readonly ports: readonly number[]; readonly negate: boolean }
  /**
   * An attribute a request never has in Weft (no RequestAuthentication): requestPrincipals and
   * request.auth.*; `key` names it for config dumps. Matches nothing, so its negation matches all.
   */
  | { readonly attribute: 'absent'; readonly key: string; readonly values: readonly AuthzStringMatch[]; readonly negate: boolean };

/** Istio's string forms, pre-split: "v" exact, "v*" prefix, "*v" suffix, "*" present (any non-empty value). */
export type AuthzStringMatch =
  | { readonly kind: 'exact' | 'prefix' | 'suffix'; readonly value: string }
  | { readonly kind: 'present' };
