// Builds the outbound route table: one virtual host per service port, its routes from the VirtualService that applies.
import type { HTTPRoute } from '../../api/kinds/virtual-service/types.ts';
import type { VirtualService } from '../../api/resource.ts';
import type { NodeInfo, Route, VirtualHost } from '../../model/proxy-config.ts';
import { clusterName, type ClusterKey } from './cluster-key.ts';
import { convertRouteDestinations } from './convert/destination.ts';
import { convertFault } from './convert/fault.ts';
import { convertMatch } from './convert/match.ts';
import { convertMirrors } from './convert/mirror.ts';
import { convertRetry, DEFAULT_RETRY_POLICY } from './convert/retry.ts';
import { convertTimeout } from './convert/timeout.ts';
import { virtualHostDomains, virtualHostName } from './domains.ts';
import { compareStrings } from './labels.ts';
import { applicableMatches } from './match-scope.ts';
import type { ServiceIndex, ServiceView } from './services.ts';
import type { VirtualServiceLookup } from './virtual-services.ts';

export interface RouteTable {
  /** Sorted by name. */
  readonly virtualHosts: readonly VirtualHost[];
  /** Every cluster a route sends to, so that the cluster builder can make sure none dangles. */
  readonly referencedClusters: readonly ClusterKey[];
}

export interface RouteTableParams {
  readonly services: ServiceIndex;
  readonly virtualServiceFor: VirtualServiceLookup;
  readonly proxy: NodeInfo;
}

/** Name of the route a virtual host gets when no VirtualService routes its service. */
export const DEFAULT_ROUTE_NAME = 'default';

export function buildRouteTable({ services, virtualServiceFor, proxy }: RouteTableParams): RouteTable {
  const domains = virtualHostDomains(services, proxy.namespace);
  const virtualHosts: VirtualHost[] = [];
  const referenced: ClusterKey[] = [];
  for (const service of services.all) {
    const vs = virtualServiceFor(service.fqdn, service.namespace);
    for (const port of service.ports) {
      const name = virtualHostName(service, port);
      const routes = (vs && virtualServiceRoutes(vs, port, services, proxy, referenced)) ?? [defaultRoute(service, port, referenced)];
      virtualHosts.push({ name, domains: domains.get(name) ?? [], routes });
    }
  }
  virtualHosts.sort((a, b) => compareStrings(a.name, b.name));
  return { virtualHosts, referencedClusters: referenced };
}

/**
 * The VirtualService's `http[]` routes that apply on this port, in order (first match wins), or
 * undefined when none does. Then the virtual host keeps the default route, as Istio does when a
 * VirtualService yields no routes for a port: a VirtualService with only tcp/tls routes, or whose
 * every http route is scoped to another port or another source, does not black-hole the service.
 */
function virtualServiceRoutes(
  vs: VirtualService,
  port: number,
  services: ServiceIndex,
  proxy: NodeInfo,
  referenced: ClusterKey[],
): Route[] | undefined {
  const ns = vs.metadata.namespace;
  const routes: Route[] = [];
  const names = new Set<string>();
  (vs.spec.http ?? []).forEach((http, index) => {
    if (!forwards(http)) return;
    const matches = applicableMatches(http.match, port, proxy);
    if (matches === null) return;
    const weighted = convertRouteDestinations(http.route, ns, port, services);
    const mirrors = convertMirrors(http, ns, port, services);
    referenced.push(...weighted.map((w) => w.key), ...mirrors.map((m) => m.key));
    routes.push({
      name: uniqueName(http.name ?? `${ns}/${vs.metadata.name}#${index}`, index, names),
      match: matches.map(convertMatch),
      action: { clusters: weighted.map((w) => ({ cluster: clusterName(w.key), weight: w.weight })) },
      ...resilience(http),
      ...(mirrors.length === 0 ? {} : { mirrors: mirrors.map((m) => ({ cluster: clusterName(m.key), percent: m.percent })) }),
    });
  });
  return routes.length > 0 ? routes : undefined;
}

/**
 * A route's timeout, retry policy and fault, each left out when it does nothing. Istio programs all
 * three even when a fault is configured; its docs' warning that "timeouts or retries will not be
 * enabled when faults are enabled" describes Envoy's filter order, which Weft's proxy keeps: the
 * fault stage runs before the router, so an injected abort is never retried and an injected delay
 * passes before the route timeout starts (istio.io, "Virtual service with fault injection and
 * retry/timeout policies not working as expected").
 */
function resilience(http: HTTPRoute): Pick<Route, 'timeoutMs' | 'retry' | 'fault'> {
  const timeoutMs = convertTimeout(http.timeout);
  const retry = convertRetry(http.retries);
  const fault = convertFault(http.fault);
  return {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(retry === undefined ? {} : { retry }),
    ...(fault === undefined ? {} : { fault }),
  };
}

/**
 * Only forwarding routes are compiled in this issue. A redirect, directResponse or delegate route is
 * left out (the api layer warns that the field is accepted but not yet enforced), so requests it
 * would have caught fall through to the routes after it.
 */
function forwards(http: HTTPRoute): http is HTTPRoute & { readonly route: NonNullable<HTTPRoute['route']> } {
  return http.route !== undefined && http.route.length > 0 && !http.redirect && !http.directResponse && !http.delegate;
}

/** A user-given `http[].name` may repeat; later repeats get "#<index>" so route names stay unique per virtual host. */
function uniqueName(wanted: string, index: number, taken: Set<string>): string {
  let name = wanted;
  for (let n = 1; taken.has(name); n++) name = n === 1 ? `${wanted}#${index}` : `${wanted}#${index}.${n}`;
  taken.add(name);
  return name;
}

function defaultRoute(service: ServiceView, port: number, referenced: ClusterKey[]): Route {
  const key: ClusterKey = { service: service.fqdn, port, subset: '' };
  referenced.push(key);
  // Istio's BuildDefaultHTTPOutboundRoute: no timeout, the default retry policy.
  return { name: DEFAULT_ROUTE_NAME, match: [], action: { clusters: [{ cluster: clusterName(key), weight: 100 }] }, retry: DEFAULT_RETRY_POLICY };
}
