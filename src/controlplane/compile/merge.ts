// Traffic policy precedence for one cluster: DestinationRule level, its port level, subset level, subset port level.
import type {
  ClientTLSSettings,
  ConnectionPoolSettings,
  LoadBalancerSettings,
  OutlierDetection,
  TrafficPolicy,
} from '../../api/kinds/destination-rule/types.ts';

/** The parts of a TrafficPolicy that shape one cluster, after precedence is applied. */
export interface ClusterPolicy {
  readonly loadBalancer: LoadBalancerSettings | undefined;
  readonly connectionPool: ConnectionPoolSettings | undefined;
  readonly outlierDetection: OutlierDetection | undefined;
  readonly tls: ClientTLSSettings | undefined;
}

const EMPTY: ClusterPolicy = { loadBalancer: undefined, connectionPool: undefined, outlierDetection: undefined, tls: undefined };

/**
 * Istio's MergeTrafficPolicy (pilot/pkg/networking/core/cluster_builder.go), lowest to highest:
 *
 *   destination-level fields
 *     < destination-level portLevelSettings[port]   (replaces all four parts)
 *     < subset-level fields                          (each part replaces only when set)
 *     < subset-level portLevelSettings[port]         (replaces all four parts)
 *
 * A matching port-level entry replaces every part, even the ones it leaves out: Istio documents that
 * port-level settings do not inherit, so an omitted part falls back to the default, not to the level below.
 */
export function clusterPolicy(destination: TrafficPolicy | undefined, subset: TrafficPolicy | undefined, port: number): ClusterPolicy {
  let out = withPortLevel(destination === undefined ? EMPTY : partsOf(destination), destination, port);
  if (subset !== undefined) {
    out = {
      loadBalancer: subset.loadBalancer ?? out.loadBalancer,
      connectionPool: subset.connectionPool ?? out.connectionPool,
      outlierDetection: subset.outlierDetection ?? out.outlierDetection,
      tls: subset.tls ?? out.tls,
    };
    out = withPortLevel(out, subset, port);
  }
  return out;
}

function partsOf(p: TrafficPolicy): ClusterPolicy {
  return { loadBalancer: p.loadBalancer, connectionPool: p.connectionPool, outlierDetection: p.outlierDetection, tls: p.tls };
}

function withPortLevel(base: ClusterPolicy, policy: TrafficPolicy | undefined, port: number): ClusterPolicy {
  const p = policy?.portLevelSettings?.find((s) => s.port?.number === port);
  if (p === undefined) return base;
  return { loadBalancer: p.loadBalancer, connectionPool: p.connectionPool, outlierDetection: p.outlierDetection, tls: p.tls };
}
