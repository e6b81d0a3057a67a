// Converts Istio's http[].timeout into the route's whole-request timeout.
import { durationMs } from './duration.ts';

/**
 * Istio's setTimeout (pilot/pkg/networking/core/route/route.go): the route timeout is the
 * VirtualService's, and without one there is none at all (Istio writes Envoy's 0, "disabled", rather
 * than leave Envoy's own 15 s default). `timeout: 0s` fails validation, as in Istio (durations are at
 * least 1 ms); should a 0 arrive all the same, it means none, as Envoy reads it.
 */
export function convertTimeout(timeout: string | undefined): number | undefined {
  if (timeout === undefined) return undefined;
  const ms = durationMs(timeout);
  return ms === 0 ? undefined : ms;
}
