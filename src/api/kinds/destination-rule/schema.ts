// Zod schema of the DestinationRule spec: strict (unknown fields are errors), every field of types.ts, Istio's JSON names.
import { z } from 'zod';
import { duration, int32, stringMap, uint32, uint64 } from '../../schema/primitives.ts';
import type { AllSame, AssertAssignable, SameKeys } from '../../schema/type-check.ts';
import { portSelector } from '../virtual-service/schema.ts';
import type * as T from './types.ts';

const opt = <S extends z.ZodType>(s: S): z.ZodExactOptional<S> => s.exactOptional();

export const httpCookieAttribute = z.strictObject({ name: z.string(), value: opt(z.string()) });
export const httpCookie = z.strictObject({ name: z.string(), path: opt(z.string()), ttl: opt(duration()), attributes: opt(z.array(httpCookieAttribute)) });
export const ringHash = z.strictObject({ minimumRingSize: opt(uint64()) });
export const maglev = z.strictObject({ tableSize: opt(uint64()) });

export const consistentHashLB = z.strictObject({
  httpHeaderName: opt(z.string()),
  httpCookie: opt(httpCookie),
  useSourceIp: opt(z.boolean()),
  httpQueryParameterName: opt(z.string()),
  ringHash: opt(ringHash),
  maglev: opt(maglev),
  minimumRingSize: opt(uint64()),
});

export const distribute = z.strictObject({ from: opt(z.string()), to: opt(z.record(z.string(), uint32())) });
export const failover = z.strictObject({ from: opt(z.string()), to: opt(z.string()) });
export const localityLoadBalancerSetting = z.strictObject({
  distribute: opt(z.array(distribute)),
  failover: opt(z.array(failover)),
  failoverPriority: opt(z.array(z.string())),
  enabled: opt(z.boolean()),
});

export const warmupConfiguration = z.strictObject({ duration: duration(), minimumPercent: opt(z.number()), aggression: opt(z.number()) });

export const loadBalancerSettings = z.strictObject({
  simple: opt(z.enum(['UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'])),
  consistentHash: opt(consistentHashLB),
  localityLbSetting: opt(localityLoadBalancerSetting),
  warmupDurationSecs: opt(duration()),
  warmup: opt(warmupConfiguration),
});

export const tcpKeepalive = z.strictObject({ probes: opt(uint32()), time: opt(duration()), interval: opt(duration()) });
export const tcpSettings = z.strictObject({
  maxConnections: opt(int32()),
  connectTimeout: opt(duration()),
  tcpKeepalive: opt(tcpKeepalive),
  maxConnectionDuration: opt(duration()),
  idleTimeout: opt(duration()),
});
export const httpSettings = z.strictObject({
  http1MaxPendingRequests: opt(int32()),
  http2MaxRequests: opt(int32()),
  maxRequestsPerConnection: opt(int32()),
  maxRetries: opt(int32()),
  idleTimeout: opt(duration()),
  h2UpgradePolicy: opt(z.enum(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'])),
  useClientProtocol: opt(z.boolean()),
  maxConcurrentStreams: opt(int32()),
});
export const connectionPoolSettings = z.strictObject({ tcp: opt(tcpSettings), http: opt(httpSettings) });

export const outlierDetection = z.strictObject({
  splitExternalLocalOriginErrors: opt(z.boolean()),
  consecutiveLocalOriginFailures: opt(uint32()),
  consecutiveGatewayErrors: opt(uint32()),
  consecutive5xxErrors: opt(uint32()),
  consecutiveErrors: opt(int32()),
  interval: opt(duration()),
  baseEjectionTime: opt(duration()),
  maxEjectionPercent: opt(int32()),
  minHealthPercent: opt(int32()),
});

export const clientTLSSettings = z.strictObject({
  mode: opt(z.enum(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'])),
  clientCertificate: opt(z.string()),
  privateKey: opt(z.string()),
  caCertificates: opt(z.string()),
  credentialName: opt(z.string()),
  subjectAltNames: opt(z.array(z.string())),
  sni: opt(z.string()),
  insecureSkipVerify: opt(z.boolean()),
  caCrl: opt(z.string()),
});

export const portTrafficPolicy = z.strictObject({
  port: opt(portSelector),
  loadBalancer: opt(loadBalancerSettings),
  connectionPool: opt(connectionPoolSettings),
  outlierDetection: opt(outlierDetection),
  tls: opt(clientTLSSettings),
});

export const tunnelSettings = z.strictObject({ protocol: opt(z.string()), targetHost: z.string(), targetPort: uint32() });
export const proxyProtocol = z.strictObject({ version: opt(z.enum(['V1', 'V2'])) });
export const retryBudget = z.strictObject({ percent: opt(z.number()), minRetryConcurrency: opt(uint32()) });

export const trafficPolicy = z.strictObject({
  loadBalancer: opt(loadBalancerSettings),
  connectionPool: opt(connectionPoolSettings),
  outlierDetection: opt(outlierDetection),
  tls: opt(clientTLSSettings),
  portLevelSettings: opt(z.array(portTrafficPolicy)),
  tunnel: opt(tunnelSettings),
  proxyProtocol: opt(proxyProtocol),
  retryBudget: opt(retryBudget),
});

export const subset = z.strictObject({ name: z.string(), labels: opt(stringMap()), trafficPolicy: opt(trafficPolicy) });
export const workloadSelector = z.strictObject({ matchLabels: opt(stringMap()) });

export const destinationRuleSpec = z.strictObject({
  host: z.string(),
  trafficPolicy: opt(trafficPolicy),
  subsets: opt(z.array(subset)),
  exportTo: opt(z.array(z.string())),
  workloadSelector: opt(workloadSelector),
});

// The schema's output is usable as the contract type, and every message has the same fields.
export type _SpecIsAssignable = AssertAssignable<z.infer<typeof destinationRuleSpec>, T.DestinationRuleSpec>;
type Same<S extends z.ZodType, U> = SameKeys<z.infer<S>, U>;
type Item<L> = NonNullable<L> extends readonly (infer E)[] ? E : never;
export type _SameFields = AllSame<[
  Same<typeof httpCookieAttribute, T.HTTPCookieAttribute>, Same<typeof httpCookie, T.HTTPCookie>,
  Same<typeof ringHash, NonNullable<T.ConsistentHashLB['ringHash']>>, Same<typeof maglev, NonNullable<T.ConsistentHashLB['maglev']>>,
  Same<typeof consistentHashLB, T.ConsistentHashLB>,
  Same<typeof distribute, Item<T.LocalityLoadBalancerSetting['distribute']>>,
  Same<typeof failover, Item<T.LocalityLoadBalancerSetting['failover']>>,
  Same<typeof localityLoadBalancerSetting, T.LocalityLoadBalancerSetting>, Same<typeof warmupConfiguration, T.WarmupConfiguration>,
  Same<typeof loadBalancerSettings, T.LoadBalancerSettings>, Same<typeof tcpKeepalive, T.TcpKeepalive>,
  Same<typeof tcpSettings, T.TCPSettings>, Same<typeof httpSettings, T.HTTPSettings>,
  Same<typeof connectionPoolSettings, T.ConnectionPoolSettings>, Same<typeof outlierDetection, T.OutlierDetection>,
  Same<typeof clientTLSSettings, T.ClientTLSSettings>, Same<typeof portTrafficPolicy, T.PortTrafficPolicy>,
  Same<typeof tunnelSettings, T.TunnelSettings>, Same<typeof proxyProtocol, T.ProxyProtocol>, Same<typeof retryBudget, T.RetryBudget>,
  Same<typeof trafficPolicy, T.TrafficPolicy>, Same<typeof subset, T.Subset>, Same<typeof workloadSelector, T.WorkloadSelector>,
  Same<typeof destinationRuleSpec, T.DestinationRuleSpec>,
]>;
