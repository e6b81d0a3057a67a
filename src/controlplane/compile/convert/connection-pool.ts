// Converts a DestinationRule's connectionPool (after precedence) into the cluster's ConnectionPoolPolicy, Istio's and Envoy's defaults filled in.
import type { ConnectionPoolSettings } from '../../../api/kinds/destination-rule/types.ts';
import type { ConnectionPoolPolicy } from '../../../model/proxy-config.ts';
import { durationMs } from './duration.ts';

/** 2^32 − 1: Istio's "no limit" for every circuit-breaker threshold (getDefaultCircuitBreakerThresholds). */
export const UNLIMITED = 4_294_967_295;
/** MeshConfig.connectTimeout's default. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Envoy's default idle timeout of upstream HTTP connections (HttpProtocolOptions.idle_timeout). */
export const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

/** Every cluster's pool when no DestinationRule sets one: Istio writes these thresholds on every cluster. */
export const DEFAULT_CONNECTION_POOL: ConnectionPoolPolicy = {
  maxConnections: UNLIMITED,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  maxPendingRequests: UNLIMITED,
  maxRequests: UNLIMITED,
  maxRequestsPerConnection: 0,
  maxRetries: UNLIMITED,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
};

/**
 * Istio's applyConnectionPool (pilot/pkg/networking/core/cluster_traffic_policy.go). Istio applies it
 * to every cluster, with an empty ConnectionPoolSettings when the rule has none, so every cluster gets
 * the thresholds:
 *
 * - tcp.maxConnections, http.http1MaxPendingRequests, http.http2MaxRequests (Envoy's max_requests,
 *   which Istio documents as applying to HTTP/1.1 too) and http.maxRetries: the value when > 0, else
 *   2^32 − 1. Istio cannot tell an explicit 0 from an absent field and takes both as "default"; so
 *   does Weft. (Istio's default maxRetries is 2^32 − 1, not Envoy's 3.)
 * - tcp.connectTimeout, else the mesh default of 10 s.
 * - http.maxRequestsPerConnection: 0 means unlimited.
 * - http.idleTimeout, else tcp.idleTimeout, else Envoy's 1 h; `tcp.idleTimeout: 0s` gives 0: never
 *   closed for idleness.
 */
export function convertConnectionPool(pool: ConnectionPoolSettings | undefined): ConnectionPoolPolicy {
  if (pool === undefined) return DEFAULT_CONNECTION_POOL;
  const { tcp, http } = pool;
  const idle = http?.idleTimeout ?? tcp?.idleTimeout;
  return {
    maxConnections: limit(tcp?.maxConnections),
    connectTimeoutMs: tcp?.connectTimeout === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : durationMs(tcp.connectTimeout),
    maxPendingRequests: limit(http?.http1MaxPendingRequests),
    maxRequests: limit(http?.http2MaxRequests),
    maxRequestsPerConnection: Math.max(0, http?.maxRequestsPerConnection ?? 0),
    maxRetries: limit(http?.maxRetries),
    idleTimeoutMs: idle === undefined ? DEFAULT_IDLE_TIMEOUT_MS : durationMs(idle),
  };
}

function limit(value: number | undefined): number {
  return value !== undefined && value > 0 ? value : UNLIMITED;
}
