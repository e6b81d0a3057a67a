/**
 * The terminal router filter of the outbound listener: authority → virtual host → first matching
 * route → weighted cluster (chosen once per request, before any retry, as Envoy does) → the
 * route's pipeline (fault, mirror, timeout, retry; route-pipeline.ts) → forward. No virtual host
 * or no route is 404 NR, as in Envoy.
 *
 * A route without any of those policies goes straight to forward(), the same closures as a router
 * without them. A route with some gets its pipeline built on its first request and kept for the
 * life of this router (one config version): built once, run per request.
 */
import { systemClock, type Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { RouteTable, type CompiledRoute } from '../http/route-table.ts';
import type { HttpRequest, HttpResponse, Service } from '../http/message.ts';
import { DEFAULT_REPLAY_LIMIT_BYTES } from '../http/replay-body.ts';
import { NoRouteError, NoHealthyUpstreamError } from '../errors.ts';
import type { ClusterManager, ClusterRuntime } from '../upstream/cluster-manager.ts';
import { forward } from '../upstream/forward.ts';
import { buildRoutePipeline, isPlainRoute, type RoutePipelineDeps, type RouteRunner } from './route-pipeline.ts';
import type { RetryBudget } from './retry.ts';

export interface RouterOptions {
  /** Timers of the route stages (fault delays, timeouts, back-off); default the system clock. */
  readonly clock?: Clock;
  /** Uniform [0, 1): weighted cluster choice, fault and mirror shares, back-off jitter; default Math.random. */
  readonly random?: () => number;
  /** Debug logs of mirror copies; default silent. */
  readonly log?: Logger;
  /** Request body bytes kept for retries and mirror copies; default DEFAULT_REPLAY_LIMIT_BYTES (64 KiB). */
  readonly replayLimitBytes?: number;
}

/** Envoy's retries() resource of the cluster's circuit breaker (DestinationRule http.maxRetries). */
const clusterRetryBudget: RetryBudget<ClusterRuntime> = {
  tryStart: (c) => c.limits.tryStartRetry(),
  end: (c) => c.limits.endRetry(),
};

export function routerService(routes: RouteTable, clusters: ClusterManager, opts: RouterOptions = {}): Service {
  const random = opts.random ?? Math.random;
  const deps: RoutePipelineDeps<ClusterRuntime> = {
    clock: opts.clock ?? systemClock,
    random,
    attempt: forward,
    resolveCluster: (name) => clusters.get(name),
    log: opts.log ?? silentLogger,
    replayLimitBytes: opts.replayLimitBytes ?? DEFAULT_REPLAY_LIMIT_BYTES,
    retryBudget: clusterRetryBudget,
  };
  const pipelines = new Map<CompiledRoute, RouteRunner<ClusterRuntime>>();
  const pipelineOf = (route: CompiledRoute): RouteRunner<ClusterRuntime> => {
    let run = pipelines.get(route);
    if (run === undefined) {
      run = buildRoutePipeline(route.route, deps);
      pipelines.set(route, run);
    }
    return run;
  };
  return (req: HttpRequest): Promise<HttpResponse> => {
    const vh = routes.virtualHost(req.authority);
    if (vh === undefined) return Promise.reject(new NoRouteError(`no service in the mesh answers to "${req.authority}"`));
    const route = RouteTable.route(vh, req);
    if (route === undefined) return Promise.reject(new NoRouteError(`no route of ${vh.name} matched ${req.method} ${req.path}`));
    req.info.routeName = route.name;
    const name = route.pick(random());
    const cluster = clusters.get(name);
    if (cluster === undefined) return Promise.reject(new NoHealthyUpstreamError(name));
    if (isPlainRoute(route.route)) return forward(cluster, req);
    return pipelineOf(route)(req, cluster);
  };
}
