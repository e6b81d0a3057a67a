// Converts Istio's http[].mirror (with mirrorPercentage / mirrorPercent) and http[].mirrors into mirror targets: a cluster and a share of requests.
import type { HTTPRoute } from '../../../api/kinds/virtual-service/types.ts';
import type { ClusterKey } from '../cluster-key.ts';
import type { ServiceIndex } from '../services.ts';
import { destinationKey } from './destination.ts';
import { percentOf } from './duration.ts';

export interface MirrorTarget {
  /** Resolved like a route destination (host relative to the VirtualService's namespace, port, subset). */
  readonly key: ClusterKey;
  /** 0 < percent ≤ 100. */
  readonly percent: number;
}

/**
 * Istio's MirrorPercent and MirrorPercentByPolicy (route.go): a mirror without a percentage mirrors
 * every request; `mirrorPercentage` (or the older integer `mirrorPercent`) gives the share, and an
 * explicit 0 turns the mirror off. `mirror` and `mirrors` never come together (validation), and
 * `mirrors` keep their order. The mirror's cluster is named exactly as a route destination's would
 * be, so a mirror to an unknown host, port or subset gets a cluster with no endpoints: its copies
 * fail quietly and the primary request never notices.
 */
export function convertMirrors(http: HTTPRoute, vsNamespace: string, vhostPort: number, services: ServiceIndex): MirrorTarget[] {
  const out: MirrorTarget[] = [];
  if (http.mirror !== undefined) {
    const percent = mirrorPercent(http);
    if (percent !== undefined) out.push({ key: destinationKey(http.mirror, vsNamespace, vhostPort, services), percent });
  }
  for (const m of http.mirrors ?? []) {
    const percent = m.percentage === undefined ? 100 : positive(percentOf(m.percentage.value));
    if (percent !== undefined) out.push({ key: destinationKey(m.destination, vsNamespace, vhostPort, services), percent });
  }
  return out;
}

function mirrorPercent(http: HTTPRoute): number | undefined {
  if (http.mirrorPercentage !== undefined) return positive(percentOf(http.mirrorPercentage.value));
  if (http.mirrorPercent !== undefined) return positive(http.mirrorPercent);
  return 100;
}

function positive(p: number): number | undefined {
  return p > 0 ? p : undefined;
}
