/**
 * The terminal router filter of the outbound listener: authority → virtual host → first matching
 * route → weighted cluster → forward. No virtual host or no route is 404 NR, as in Envoy.
 */
import { RouteTable } from '../http/route-table.ts';
import type { HttpRequest, HttpResponse, Service } from '../http/message.ts';
import { NoRouteError, NoHealthyUpstreamError } from '../errors.ts';
import type { ClusterManager } from '../upstream/cluster-manager.ts';
import { forward } from '../upstream/forward.ts';

export function routerService(routes: RouteTable, clusters: ClusterManager): Service {
  return (req: HttpRequest): Promise<HttpResponse> => {
    const vh = routes.virtualHost(req.authority);
    if (vh === undefined) return Promise.reject(new NoRouteError(`no service in the mesh answers to "${req.authority}"`));
    const route = RouteTable.route(vh, req);
    if (route === undefined) return Promise.reject(new NoRouteError(`no route of ${vh.name} matched ${req.method} ${req.path}`));
    req.info.routeName = route.name;
    const name = route.pick(Math.random());
    const cluster = clusters.get(name);
    if (cluster === undefined) return Promise.reject(new NoHealthyUpstreamError(name));
    return forward(cluster, req);
  };
}
