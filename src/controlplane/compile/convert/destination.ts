// Converts an HTTP route's `route[]` (destination host, subset, port; weight) into weighted cluster keys.
import { resolveHost } from '../../../api/hosts.ts';
import type { Destination, HTTPRouteDestination } from '../../../api/kinds/virtual-service/types.ts';
import type { ClusterKey } from '../cluster-key.ts';
import type { ServiceIndex } from '../services.ts';

export interface WeightedClusterKey {
  readonly key: ClusterKey;
  readonly weight: number;
}

/**
 * Weights as Istio applies them: a lone destination takes all traffic whatever its weight says;
 * among several, a missing weight is 0 and a 0-weight destination stays (it receives nothing, and
 * raising its weight later changes one number, not the shape of the route). Several destinations
 * that all lack a weight cannot pass validation; should they reach here, they share traffic equally
 * rather than produce a route whose weights sum to 0.
 */
export function convertRouteDestinations(
  route: readonly HTTPRouteDestination[],
  vsNamespace: string,
  vhostPort: number,
  services: ServiceIndex,
): WeightedClusterKey[] {
  const keys = route.map((r) => destinationKey(r.destination, vsNamespace, vhostPort, services));
  if (keys.length === 1) return [{ key: keys[0]!, weight: 100 }];
  const weights = route.map((r) => r.weight ?? 0);
  const equal = weights.every((w) => w === 0);
  return keys.map((key, i) => ({ key, weight: equal ? 1 : weights[i]! }));
}

/**
 * The destination host is resolved relative to the VirtualService's namespace. Its port is, in order:
 * the explicit `port.number`; the port the request came in on, when the destination service has it;
 * the destination service's only port; and otherwise the incoming port (a cluster that may have no
 * endpoints, so the proxy answers 503 UH instead of guessing).
 */
export function destinationKey(d: Destination, vsNamespace: string, vhostPort: number, services: ServiceIndex): ClusterKey {
  const service = resolveHost(d.host, vsNamespace);
  const target = services.byFqdn.get(service);
  let port = vhostPort;
  if (d.port?.number !== undefined) port = d.port.number;
  else if (target && !target.ports.includes(vhostPort) && target.ports.length === 1) port = target.ports[0]!;
  return { service, port, subset: d.subset ?? '' };
}
