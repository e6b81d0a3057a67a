// Converts Istio's http[].fault into the route's FaultPolicy: which share of requests to delay, which to abort, and how.
import type { HTTPFaultInjection } from '../../../api/kinds/virtual-service/types.ts';
import type { FaultPolicy } from '../../../model/proxy-config.ts';
import { durationMs, percentOf } from './duration.ts';

/**
 * Istio's TranslateFault (pilot/pkg/networking/core/route/route.go):
 *
 * - delay: `fixedDelay` for `percentage.value` % of requests, or else the older integer `percent`;
 *   with neither, 0 % (Istio sends Envoy a 0/100 fraction). A delay without fixedDelay is dropped
 *   (exponentialDelay never passes validation).
 * - abort: `httpStatus` (or `grpcStatus`) for `percentage.value` % of requests; without a
 *   percentage, 0 %: Istio leaves Envoy's percentage unset, which Envoy reads as 0 (istio/istio#36303;
 *   Istio's docs once said 100 % and were corrected, istio/api#2522). An abort without a status is dropped.
 *
 * A part that would apply to 0 % of requests is left out, and the whole policy when both are, so the
 * proxy builds no fault stage for it (`weft apply` warns about a missing percentage).
 */
export function convertFault(fault: HTTPFaultInjection | undefined): FaultPolicy | undefined {
  if (fault === undefined) return undefined;
  const out: { delay?: NonNullable<FaultPolicy['delay']>; abort?: NonNullable<FaultPolicy['abort']> } = {};
  const d = fault.delay;
  if (d?.fixedDelay !== undefined) {
    const percent = d.percentage !== undefined ? percentOf(d.percentage.value) : (d.percent ?? 0);
    if (percent > 0) out.delay = { fixedDelayMs: durationMs(d.fixedDelay), percent };
  }
  const a = fault.abort;
  if (a !== undefined && (a.httpStatus !== undefined || a.grpcStatus !== undefined)) {
    const percent = a.percentage === undefined ? 0 : percentOf(a.percentage.value);
    if (percent > 0) {
      out.abort = a.httpStatus !== undefined ? { httpStatus: a.httpStatus, percent } : { grpcStatus: a.grpcStatus!, percent };
    }
  }
  return out.delay === undefined && out.abort === undefined ? undefined : out;
}
