/**
 * The route pipeline: one route's stages, assembled once per route and config version, in Envoy's
 * order (fault filter before the router; inside the router, mirror, the route timeout around the
 * retry loop, and each attempt):
 *
 *   fault (delay, abort) ─▶ body stage ─▶ mirror ─▶ timeout ─▶ retry ─▶ attempt(cluster, req, { signal, exclude })
 *
 * A stage the route does not configure is not in its pipeline, and a route that configures none
 * (isPlainRoute) has no pipeline at all: the router forwards it exactly as before (STYLE.md §7.5
 * rule 2). The body stage sets up the request body's replay buffer when a retry or a mirror needs
 * it (or, for a streaming upload, to learn when the request is complete so the timers can start),
 * and removes the x-envoy-* request fields Envoy's router consumes (below).
 *
 * x-envoy-* request fields from the application (x-envoy-upstream-rq-timeout-ms,
 * x-envoy-max-retries, x-envoy-retry-on, …) are ignored: Istio's sidecar does not honour them from
 * its application either (istio/istio#14923, #19550), and a caller must not be able to lift the
 * limits an operator configured. On a route with a timeout or retry policy they are removed before
 * forwarding, as Envoy's router consumes them; on other routes they pass through untouched and the
 * peer sidecar ignores them too.
 */
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { Route } from '../../model/proxy-config.ts';
import type { HttpRequest, HttpResponse } from '../http/message.ts';
import { ReplayBody } from '../http/replay-body.ts';
import { AbortHandle } from '../upstream/abort-handle.ts';
import type { ForwardOptions } from '../upstream/forward.ts';
import { faultLayer } from './fault.ts';
import { mirrorLayer } from './mirror.ts';
import { retryService, type RetryBudget } from './retry.ts';
import { attemptRequest, newRouteCall, type Attempt, type RouteLayer, type RouteService } from './route-call.ts';
import { timeoutLayer } from './timeout.ts';

export interface RoutePipelineDeps<T> {
  readonly clock: Clock;
  /** Uniform in [0, 1): fault and mirror shares, retry back-off jitter. */
  readonly random: () => number;
  /** One attempt: forward() in the sidecar. */
  readonly attempt: Attempt<T>;
  /** A cluster by name, for mirrors. */
  readonly resolveCluster: (name: string) => T | undefined;
  readonly log: Logger;
  /** Bytes of a request body kept for retries and mirror copies (DEFAULT_REPLAY_LIMIT_BYTES). */
  readonly replayLimitBytes: number;
  readonly retryBudget?: RetryBudget<T>;
  readonly isRefusedStream?: (err: unknown) => boolean;
  readonly maxMirrorsInFlight?: number;
}

/** Runs one request through a route's pipeline, to the cluster the router chose. */
export type RouteRunner<T> = (req: HttpRequest, target: T) => Promise<HttpResponse>;

/** Whether a route has none of the route stages (the router then forwards directly). */
export function isPlainRoute(r: Route): boolean {
  return r.fault === undefined && r.retry === undefined && r.timeoutMs === undefined && r.mirrors === undefined;
}

/** The x-envoy-* request fields Envoy's router consumes (router_filter.rst, "HTTP headers consumed from downstreams"). */
const CONSUMED_ENVOY_FIELDS = new Set([
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-max-retries',
  'x-envoy-retry-on',
  'x-envoy-retry-grpc-on',
  'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names',
  'x-envoy-hedge-on-per-try-timeout',
  'x-envoy-attempt-count',
]);

/** Removes the consumed x-envoy-* fields from a request head, in place. */
export function stripConsumedEnvoyFields(headers: string[]): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    const name = headers[i]!;
    if (name.startsWith('x-envoy-') && CONSUMED_ENVOY_FIELDS.has(name)) headers.splice(i, 2);
  }
}

const NO_OPTIONS: ForwardOptions = {};

/** The innermost stage of a route without a retry policy: one attempt, abortable when the route has a timeout. */
function singleAttempt<T>(attempt: Attempt<T>): RouteService<T> {
  return (call) => {
    const req = attemptRequest(call, true);
    if (!call.abortable) return attempt(call.target, req, NO_OPTIONS);
    if (call.expired !== null) return Promise.reject(call.expired);
    const ctrl = new AbortHandle();
    call.inFlight = ctrl;
    return attempt(call.target, req, { signal: ctrl });
  };
}

interface BodyStageParams {
  /** A retry or a mirror may send the body again: keep it, up to `limit`. */
  readonly keep: boolean;
  /** Timers start when the request is complete: a body still streaming needs watching. */
  readonly watch: boolean;
  readonly strip: boolean;
  readonly limit: number;
}

function bodyStage<T>(p: BodyStageParams): RouteLayer<T> {
  return (inner) => (call) => {
    const req = call.req;
    if (p.strip) stripConsumedEnvoyFields(req.headers);
    const body = req.body;
    if (body.length === 0 || body.attached || !(p.keep || (p.watch && !body.ended))) return inner(call);
    const replay = new ReplayBody(body, p.keep ? p.limit : 0);
    call.replay = replay;
    return inner(call).catch((err: unknown) => {
      // Answered without an attempt reading the body (no endpoint, a timeout while queued, …):
      // let the rest of it flow so the connection manager can finish the request.
      replay.drain();
      throw err;
    });
  };
}

/** Builds a route's pipeline. Call only for a route that is not isPlainRoute (any other still works, with no stage). */
export function buildRoutePipeline<T>(route: Route, deps: RoutePipelineDeps<T>): RouteRunner<T> {
  const { clock, random, log } = deps;
  const timeoutMs = route.timeoutMs !== undefined && route.timeoutMs > 0 ? route.timeoutMs : 0;
  const retry = route.retry;
  let svc: RouteService<T> = retry !== undefined
    ? retryService(retry, deps.attempt, {
      clock,
      random,
      ...(deps.retryBudget !== undefined ? { budget: deps.retryBudget } : {}),
      ...(deps.isRefusedStream !== undefined ? { isRefusedStream: deps.isRefusedStream } : {}),
    })
    : singleAttempt(deps.attempt);
  if (timeoutMs > 0) svc = timeoutLayer<T>({ timeoutMs }, clock)(svc);
  const mirror = route.mirrors !== undefined
    ? mirrorLayer<T>(route.mirrors, route.timeoutMs, {
      clock,
      random,
      resolve: deps.resolveCluster,
      attempt: deps.attempt,
      log,
      ...(deps.maxMirrorsInFlight !== undefined ? { maxInFlight: deps.maxMirrorsInFlight } : {}),
    })
    : null;
  if (mirror !== null) svc = mirror(svc);
  const keep = retry !== undefined || mirror !== null;
  const perTry = retry?.perTryTimeoutMs !== undefined && retry.perTryTimeoutMs > 0;
  const watch = timeoutMs > 0 || perTry;
  if (keep || watch) svc = bodyStage<T>({ keep, watch, strip: timeoutMs > 0 || retry !== undefined, limit: deps.replayLimitBytes })(svc);
  const fault = route.fault !== undefined ? faultLayer<T>(route.fault, { clock, random }) : null;
  if (fault !== null) svc = fault(svc);
  const run = svc;
  return (req, target) => run(newRouteCall(req, target));
}
