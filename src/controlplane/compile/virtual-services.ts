// Which VirtualService routes a host for this proxy: mesh-bound services only, one winner per host by a fixed precedence.
import { resolveHost } from '../../api/hosts.ts';
import type { VirtualService } from '../../api/resource.ts';
import { bestHostSpecificity, NO_MATCH } from './hosts.ts';
import { compareStrings } from './labels.ts';

/** The reserved gateway name that means "every sidecar in the mesh". */
export const MESH_GATEWAY = 'mesh';

/** The VirtualService that routes `fqdn` (a service in `serviceNamespace`) for this proxy, if any. */
export type VirtualServiceLookup = (fqdn: string, serviceNamespace: string) => VirtualService | undefined;

interface Candidate {
  readonly key: string;
  readonly hosts: readonly string[];
  readonly vs: VirtualService;
}

/**
 * A VirtualService whose `gateways` is set without "mesh" is bound to gateways only and never
 * programs a sidecar (an empty or absent list means "mesh"). Hosts are resolved relative to the
 * VirtualService's namespace, so "reviews" in namespace "shop" names reviews.shop.svc.cluster.local.
 *
 * Sidecars do not merge several VirtualServices for one host; one wins, in this order:
 *   1. the most specific host (an exact name beats "*.suffix", a longer suffix beats a shorter one,
 *      as Envoy's domain matching would pick between the virtual hosts Istio generates);
 *   2. a VirtualService in the proxy's own namespace (its owners configure what it calls);
 *   3. one in the service's namespace (the service owner's default for everybody);
 *   4. then by "<namespace>/<name>" (Istio uses creation time, which Weft's store does not keep).
 */
export function indexVirtualServices(virtualServices: readonly VirtualService[], proxyNamespace: string): VirtualServiceLookup {
  const candidates: Candidate[] = [];
  for (const vs of virtualServices) {
    const gateways = vs.spec.gateways ?? [];
    if (gateways.length > 0 && !gateways.includes(MESH_GATEWAY)) continue;
    const ns = vs.metadata.namespace;
    candidates.push({ key: `${ns}/${vs.metadata.name}`, hosts: (vs.spec.hosts ?? []).map((h) => resolveHost(h, ns)), vs });
  }
  candidates.sort((a, b) => compareStrings(a.key, b.key));

  return (fqdn, serviceNamespace) => {
    let best: { rank: readonly number[]; vs: VirtualService } | undefined;
    for (const c of candidates) {
      const specificity = bestHostSpecificity(c.hosts, fqdn);
      if (specificity === NO_MATCH) continue;
      const ns = c.vs.metadata.namespace;
      // Candidates are visited in key order, so on a tie the earlier one stays: rule 4.
      const rank = [specificity, ns === proxyNamespace ? 1 : 0, ns === serviceNamespace ? 1 : 0];
      if (best === undefined || outranks(rank, best.rank)) best = { rank, vs: c.vs };
    }
    return best?.vs;
  };
}

function outranks(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! !== b[i]!) return a[i]! > b[i]!;
  }
  return false;
}
