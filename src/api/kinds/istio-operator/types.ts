/**
 * IstioOperator (install.istio.io/v1alpha1): Istio's installation resource, read by Weft as the
 * mesh configuration. Only `spec.meshConfig`'s observability fields act (tracing, access log,
 * extension providers, default providers); everything else of the operator API is accepted with a
 * warning. One per mesh: a second one under another name is refused at apply. The YAML may leave
 * `metadata` out, as `istioctl install -f` allows; it is then stored as "default".
 */

/** Fields of the operator API Weft accepts without acting on them (installation concerns). */
export const OPERATOR_FIELDS = ['profile', 'hub', 'tag', 'revision', 'namespace', 'installPackagePath', 'components', 'values', 'unvalidatedValues', 'addonComponents', 'resourceSuffix'] as const;

/** MeshConfig fields Weft accepts without acting on them (Weft's own flags or later issues cover them). */
export const OTHER_MESH_FIELDS = [
  'outboundTrafficPolicy', 'enableAutoMtls', 'trustDomain', 'trustDomainAliases', 'rootNamespace', 'enablePrometheusMerge',
  'ingressClass', 'ingressService', 'ingressControllerMode', 'ingressSelector', 'defaultServiceExportTo',
  'defaultVirtualServiceExportTo', 'defaultDestinationRuleExportTo', 'localityLbSetting', 'dnsRefreshRate', 'h2UpgradePolicy',
  'connectTimeout', 'tcpKeepalive', 'protocolDetectionTimeout', 'discoverySelectors', 'serviceSettings', 'caCertificates',
  'pathNormalization', 'meshMTLS', 'tlsDefaults', 'configSources', 'proxyListenPort', 'proxyHttpPort', 'enableEnvoyAccessLogService',
  'inboundTrafficPolicy', 'verifyCertificateAtClient',
] as const;

/** ProxyConfig (defaultConfig) fields Weft accepts without acting on them. */
export const OTHER_PROXY_FIELDS = ['concurrency', 'holdApplicationUntilProxyStarts', 'proxyMetadata', 'discoveryAddress', 'drainDuration', 'terminationDrainDuration', 'proxyStatsMatcher', 'statusPort', 'tracingServiceName', 'image'] as const;

export const ACCESS_LOG_ENCODINGS = ['TEXT', 'JSON'] as const;
export type AccessLogEncoding = (typeof ACCESS_LOG_ENCODINGS)[number];

export interface CustomTag {
  readonly literal?: { readonly value: string };
  readonly environment?: { readonly name: string; readonly defaultValue?: string };
  readonly header?: { readonly name: string; readonly defaultValue?: string };
}

/** meshConfig.defaultConfig.tracing (Istio's ProxyConfig Tracing). */
export interface ProxyTracing {
  /** Percentage of requests sampled, 0–100 (Istio's default 1). */
  readonly sampling?: number;
  /** The Zipkin collector, "host:port". */
  readonly zipkin?: { readonly address?: string };
  readonly maxPathTagLength?: number;
  readonly customTags?: Readonly<Record<string, CustomTag>>;
  readonly lightstep?: unknown;
  readonly datadog?: unknown;
  readonly stackdriver?: unknown;
  readonly openCensusAgent?: unknown;
  readonly tlsSettings?: unknown;
}

export type ProxyDefaults = { readonly tracing?: ProxyTracing } & { readonly [K in (typeof OTHER_PROXY_FIELDS)[number]]?: unknown };

export interface ZipkinProvider {
  readonly service: string;
  readonly port: number;
  readonly maxTagLength?: number;
  readonly enable64bitTraceId?: boolean;
  readonly path?: string;
}

/** A header of the OTLP/HTTP export requests: a literal value or an environment variable's (exactly one). */
export interface OtelHttpHeader {
  readonly name: string;
  readonly value?: string;
  readonly envName?: string;
}

export interface OpenTelemetryProvider {
  readonly service: string;
  readonly port: number;
  readonly maxTagLength?: number;
  /** OTLP over HTTP; without it Istio exports over gRPC, which Weft does not speak. */
  readonly http?: { readonly path?: string; readonly timeout?: string; readonly headers?: readonly OtelHttpHeader[] };
  readonly grpc?: unknown;
  readonly resourceDetectors?: unknown;
  readonly dynatraceSampler?: unknown;
}

export interface FileAccessLogProvider {
  readonly path?: string;
  readonly logFormat?: { readonly text?: string; readonly labels?: unknown };
}

export const OTHER_PROVIDERS = ['envoyExtAuthzHttp', 'envoyExtAuthzGrpc', 'datadog', 'lightstep', 'stackdriver', 'skywalking', 'envoyOtelAls', 'envoyHttpAls', 'envoyTcpAls', 'sds'] as const;

/** One of the provider kinds, by name. */
export type ExtensionProvider = {
  readonly name: string;
  readonly zipkin?: ZipkinProvider;
  readonly opentelemetry?: OpenTelemetryProvider;
  readonly envoyFileAccessLog?: FileAccessLogProvider;
  /** Istio's `prometheus: {}`; any value means the built-in Prometheus metrics. */
  readonly prometheus?: unknown;
} & { readonly [K in (typeof OTHER_PROVIDERS)[number]]?: unknown };

export interface DefaultProviders {
  readonly tracing?: readonly string[];
  readonly metrics?: readonly string[];
  readonly accessLogging?: readonly string[];
}

export type MeshConfigSpec = {
  readonly enableTracing?: boolean;
  readonly defaultConfig?: ProxyDefaults;
  /** "/dev/stdout" logs (Weft: to the sidecar's stdout); "" switches the log off. */
  readonly accessLogFile?: string;
  readonly accessLogEncoding?: AccessLogEncoding;
  readonly accessLogFormat?: string;
  readonly extensionProviders?: readonly ExtensionProvider[];
  readonly defaultProviders?: DefaultProviders;
} & { readonly [K in (typeof OTHER_MESH_FIELDS)[number]]?: unknown };

export type IstioOperatorSpec = { readonly meshConfig?: MeshConfigSpec } & { readonly [K in (typeof OPERATOR_FIELDS)[number]]?: unknown };
