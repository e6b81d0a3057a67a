// Which match blocks of an HTTP route can fire for this proxy on a given service port: the conditions settled at compile time.
import type { HTTPMatchRequest } from '../../api/kinds/virtual-service/types.ts';
import type { NodeInfo } from '../../model/proxy-config.ts';
import { selects } from './labels.ts';
import { MESH_GATEWAY } from './virtual-services.ts';

/**
 * Istio's sourceMatchHTTP plus its port check (route.go translateRoute): a block is dropped for this
 * proxy and port when its `port` names another port, its `sourceLabels` are not all on the proxy,
 * its `sourceNamespace` is not the proxy's, or its `gateways` (which override the VirtualService's)
 * leave out "mesh". The request-level rest of a block is converted by convert/match.ts.
 *
 * Returns [] for a route without match blocks (it matches every request), the surviving blocks
 * otherwise, and null when blocks were given but none survives: then the route is left out, since
 * keeping it without matches would widen it to every request.
 */
export function applicableMatches(
  matches: readonly HTTPMatchRequest[] | undefined,
  port: number,
  proxy: NodeInfo,
): readonly HTTPMatchRequest[] | null {
  if (matches === undefined || matches.length === 0) return [];
  const kept = matches.filter(
    (m) =>
      (m.port === undefined || m.port === port) &&
      selects(m.sourceLabels, proxy.labels) &&
      (m.sourceNamespace === undefined || m.sourceNamespace === proxy.namespace) &&
      (m.gateways === undefined || m.gateways.length === 0 || m.gateways.includes(MESH_GATEWAY)),
  );
  return kept.length > 0 ? kept : null;
}
