/**
 * The fault stage (Envoy's envoy.filters.http.fault, configured from Istio's http[].fault): delays
 * a share of requests, then aborts a share with a local reply. It sits before everything else of
 * the route, as Envoy's fault filter sits before the router:
 *
 *   - the delay does not count against the route timeout (Envoy starts that in the router), and
 *     flags the stream DI even when the request then succeeds;
 *   - an abort never reaches the retry stage, so it is never retried; it is flagged FI ("DI,FI"
 *     after a delay) by rescue.ts from FaultAbortError;
 *   - delay and abort are drawn independently, the abort after the delay (Envoy's order);
 *   - a delay of 0 ms or a share of 0 % is no fault at all; shares may be fractional (Istio's
 *     percentage.value is a double), and 100 % draws no random number;
 *   - an abort with a gRPC status answers HTTP 200 with `grpc-status` (Envoy: "if gRPC status code
 *     is set, then http status will be set to 200"); with both, the HTTP status wins.
 *
 * The request body is left alone while delayed (the downstream body pauses itself at its
 * high-water mark, Envoy's StopIterationAndWatermark) and untouched by an abort, so the connection
 * manager can read and drop it after the local reply.
 */
import type { Clock } from '../../lib/clock.ts';
import type { FaultPolicy } from '../../model/proxy-config.ts';
import { FaultAbortError } from '../errors.ts';
import { addResponseFlag, type RouteLayer, type RouteService } from './route-call.ts';

export interface FaultDeps {
  readonly clock: Clock;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

/** gRPC status codes by the names Istio's grpcStatus takes (grpc/doc/statuscodes.md). */
export const GRPC_STATUS: Readonly<Record<string, number>> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9,
  ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** A fault abort with a gRPC status: HTTP 200 whose head carries grpc-status (a trailers-only gRPC reply). */
export class GrpcFaultAbortError extends FaultAbortError {
  override readonly headers: readonly string[];
  readonly grpcStatus: number;
  constructor(grpcStatus: number) {
    super(200);
    this.grpcStatus = grpcStatus;
    this.headers = ['grpc-status', String(grpcStatus), 'grpc-message', 'fault filter abort'];
  }
}

/** The numeric code of an Istio grpcStatus ("UNAVAILABLE", or digits); UNKNOWN (2) for anything else. */
export function grpcStatusCode(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  return GRPC_STATUS[name.toUpperCase()] ?? GRPC_STATUS.UNKNOWN!;
}

/** True for a share `percent` (0–100) of the calls. */
export function drawPercent(percent: number, random: () => number): boolean {
  if (percent >= 100) return true;
  if (!(percent > 0)) return false;
  return random() * 100 < percent;
}

/** The fault stage for one route, or null when the policy injects nothing (no stage at all). */
export function faultLayer<T>(policy: FaultPolicy, deps: FaultDeps): RouteLayer<T> | null {
  const { clock, random } = deps;
  const d = policy.delay;
  const delayMs = d !== undefined && d.fixedDelayMs > 0 && d.percent > 0 ? d.fixedDelayMs : 0;
  const delayPercent = d?.percent ?? 0;
  const a = policy.abort;
  // One prebuilt error per route: rescue.ts only reads it, so an aborted request allocates nothing.
  let abortError: FaultAbortError | null = null;
  if (a !== undefined && a.percent > 0) {
    if (a.httpStatus !== undefined) abortError = new FaultAbortError(a.httpStatus);
    else if (a.grpcStatus !== undefined) abortError = new GrpcFaultAbortError(grpcStatusCode(a.grpcStatus));
  }
  const abortPercent = a?.percent ?? 0;
  if (delayMs === 0 && abortError === null) return null;

  return (inner: RouteService<T>): RouteService<T> => {
    const err = abortError;
    const afterDelay: RouteService<T> = err === null
      ? inner
      : (call) => (drawPercent(abortPercent, random) ? Promise.reject(err) : inner(call));
    if (delayMs === 0) return afterDelay;
    return (call) => {
      if (!drawPercent(delayPercent, random)) return afterDelay(call);
      addResponseFlag(call.req.info, 'DI');
      return new Promise<void>((resolve) => { clock.setTimeout(resolve, delayMs); }).then(() => afterDelay(call));
    };
  };
}
