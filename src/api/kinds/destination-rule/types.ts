/**
 * DestinationRule spec as Istio defines it (networking.istio.io v1alpha3 / v1beta1 / v1 share one
 * shape), after istio/api destination_rule.proto's JSON form. Which fields Weft enforces is
 * recorded in api/field-status.ts and docs/compatibility.md.
 */
import type { WorkloadSelector } from '../common-types.ts';
export type { WorkloadSelector };
import type { PortSelector } from '../virtual-service/types.ts';

export type SimpleLB = 'UNSPECIFIED' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'ROUND_ROBIN' | 'LEAST_REQUEST';

export interface HTTPCookieAttribute { readonly name: string; readonly value?: string }

export interface HTTPCookie {
  readonly name: string;
  readonly path?: string;
  readonly ttl?: string;
  readonly attributes?: readonly HTTPCookieAttribute[];
}

export interface ConsistentHashLB {
  readonly httpHeaderName?: string;
  readonly httpCookie?: HTTPCookie;
  readonly useSourceIp?: boolean;
  readonly httpQueryParameterName?: string;
  readonly ringHash?: { readonly minimumRingSize?: number };
  readonly maglev?: { readonly tableSize?: number };
  /** Deprecated; use ringHash.minimumRingSize. */
  readonly minimumRingSize?: number;
}

export interface LocalityLoadBalancerSetting {
  readonly distribute?: readonly { readonly from?: string; readonly to?: Readonly<Record<string, number>> }[];
  readonly failover?: readonly { readonly from?: string; readonly to?: string }[];
  readonly failoverPriority?: readonly string[];
  readonly enabled?: boolean;
}

export interface WarmupConfiguration {
  readonly duration: string;
  readonly minimumPercent?: number;
  readonly aggression?: number;
}

export interface LoadBalancerSettings {
  readonly simple?: SimpleLB;
  readonly consistentHash?: ConsistentHashLB;
  readonly localityLbSetting?: LocalityLoadBalancerSetting;
  readonly warmupDurationSecs?: string;
  readonly warmup?: WarmupConfiguration;
}

export interface TcpKeepalive { readonly probes?: number; readonly time?: string; readonly interval?: string }

export interface TCPSettings {
  readonly maxConnections?: number;
  readonly connectTimeout?: string;
  readonly tcpKeepalive?: TcpKeepalive;
  readonly maxConnectionDuration?: string;
  readonly idleTimeout?: string;
}

export interface HTTPSettings {
  readonly http1MaxPendingRequests?: number;
  readonly http2MaxRequests?: number;
  readonly maxRequestsPerConnection?: number;
  readonly maxRetries?: number;
  readonly idleTimeout?: string;
  readonly h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
  readonly useClientProtocol?: boolean;
  readonly maxConcurrentStreams?: number;
}

export interface ConnectionPoolSettings {
  readonly tcp?: TCPSettings;
  readonly http?: HTTPSettings;
}

export interface OutlierDetection {
  readonly splitExternalLocalOriginErrors?: boolean;
  readonly consecutiveLocalOriginFailures?: number;
  readonly consecutiveGatewayErrors?: number;
  readonly consecutive5xxErrors?: number;
  /** Deprecated alias of consecutive5xxErrors (still in the seed's YAML). */
  readonly consecutiveErrors?: number;
  readonly interval?: string;
  readonly baseEjectionTime?: string;
  readonly maxEjectionPercent?: number;
  readonly minHealthPercent?: number;
}

export type TLSMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';

export interface ClientTLSSettings {
  readonly mode?: TLSMode;
  readonly clientCertificate?: string;
  readonly privateKey?: string;
  readonly caCertificates?: string;
  readonly credentialName?: string;
  readonly subjectAltNames?: readonly string[];
  readonly sni?: string;
  readonly insecureSkipVerify?: boolean;
  readonly caCrl?: string;
}

export interface PortTrafficPolicy {
  readonly port?: PortSelector;
  readonly loadBalancer?: LoadBalancerSettings;
  readonly connectionPool?: ConnectionPoolSettings;
  readonly outlierDetection?: OutlierDetection;
  readonly tls?: ClientTLSSettings;
}

export interface TunnelSettings { readonly protocol?: string; readonly targetHost: string; readonly targetPort: number }

export interface ProxyProtocol { readonly version?: 'V1' | 'V2' }

/** Limit on concurrent retries relative to active requests (Envoy's retry budget). */
export interface RetryBudget { readonly percent?: number; readonly minRetryConcurrency?: number }

export interface TrafficPolicy {
  readonly loadBalancer?: LoadBalancerSettings;
  readonly connectionPool?: ConnectionPoolSettings;
  readonly outlierDetection?: OutlierDetection;
  readonly tls?: ClientTLSSettings;
  readonly portLevelSettings?: readonly PortTrafficPolicy[];
  readonly tunnel?: TunnelSettings;
  readonly proxyProtocol?: ProxyProtocol;
  readonly retryBudget?: RetryBudget;
}

export interface Subset {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly trafficPolicy?: TrafficPolicy;
}


export interface DestinationRuleSpec {
  readonly host: string;
  readonly trafficPolicy?: TrafficPolicy;
  readonly subsets?: readonly Subset[];
  readonly exportTo?: readonly string[];
  readonly workloadSelector?: WorkloadSelector;
}
