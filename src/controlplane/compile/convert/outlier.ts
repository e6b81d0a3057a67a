// Converts a DestinationRule's outlierDetection (after precedence) into the cluster's OutlierPolicy, Istio's and Envoy's defaults filled in.
import type { OutlierDetection } from '../../../api/kinds/destination-rule/types.ts';
import type { OutlierPolicy } from '../../../model/proxy-config.ts';
import { durationMs } from './duration.ts';

/** Envoy's outlier detection defaults (cluster/v3/outlier_detection.proto), which Istio leaves in force. */
export const DEFAULT_CONSECUTIVE_5XX = 5;
export const DEFAULT_INTERVAL_MS = 10_000;
export const DEFAULT_BASE_EJECTION_TIME_MS = 30_000;
export const DEFAULT_MAX_EJECTION_PERCENT = 10;

/**
 * Istio's applyOutlierDetection (pilot/pkg/networking/core/cluster_traffic_policy.go). No
 * outlierDetection block at the level in force → no outlier detection at all. With one:
 *
 * - consecutive5xxErrors, else Envoy's 5; 0 turns 5xx ejection off.
 * - consecutiveErrors, the deprecated field the seed still uses: Istio stopped reading it in 1.7
 *   (istio/istio#24087), so there the Envoy default of 5 applies whatever it says; before that it
 *   counted only 502/503/504. Weft takes it as consecutive5xxErrors when that is not set, which is
 *   what the seed means ("after 5 errors in a row") and equals current Istio for the seed's value 5.
 * - consecutiveGatewayErrors, else 0 (off).
 * - interval, else 10 s; baseEjectionTime, else 30 s.
 * - maxEjectionPercent when > 0, else Envoy's 10 %.
 * - minHealthPercent, else 0: Istio always writes the panic threshold from it, so by default the
 *   panic mode Envoy would enter below 50 % healthy is off.
 *
 * Success-rate ejection stays off (Istio sets enforcing_success_rate 0), and Envoy's cap on how long
 * an ejection grows (max_ejection_time, 300 s or baseEjectionTime if longer) is the proxy's to keep.
 */
export function convertOutlierDetection(o: OutlierDetection | undefined): OutlierPolicy | undefined {
  if (o === undefined) return undefined;
  const legacy = o.consecutiveErrors !== undefined && o.consecutiveErrors > 0 ? o.consecutiveErrors : undefined;
  return {
    consecutive5xxErrors: o.consecutive5xxErrors ?? legacy ?? DEFAULT_CONSECUTIVE_5XX,
    consecutiveGatewayErrors: o.consecutiveGatewayErrors ?? 0,
    intervalMs: o.interval === undefined ? DEFAULT_INTERVAL_MS : durationMs(o.interval),
    baseEjectionTimeMs: o.baseEjectionTime === undefined ? DEFAULT_BASE_EJECTION_TIME_MS : durationMs(o.baseEjectionTime),
    maxEjectionPercent: o.maxEjectionPercent !== undefined && o.maxEjectionPercent > 0 ? o.maxEjectionPercent : DEFAULT_MAX_EJECTION_PERCENT,
    minHealthPercent: Math.max(0, o.minHealthPercent ?? 0),
  };
}
