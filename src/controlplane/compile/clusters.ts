// Builds the outbound clusters: every service port, whole and per DestinationRule subset, plus every cluster a route names.
import { parseServiceFqdn } from '../../api/hosts.ts';
import type { Cluster } from '../../model/proxy-config.ts';
import { clusterName, type ClusterKey } from './cluster-key.ts';
import { convertConnectionPool } from './convert/connection-pool.ts';
import { convertLoadBalancer } from './convert/load-balancer.ts';
import { convertOutlierDetection } from './convert/outlier.ts';
import { convertClientTls } from './convert/tls.ts';
import type { DestinationRuleLookup } from './destination-rules.ts';
import type { EndpointLookup } from './endpoints.ts';
import { compareStrings } from './labels.ts';
import { clusterPolicy } from './merge.ts';
import type { ServiceIndex } from './services.ts';

export interface ClusterParams {
  readonly services: ServiceIndex;
  readonly endpoints: EndpointLookup;
  readonly destinationRuleFor: DestinationRuleLookup;
  readonly referenced: readonly ClusterKey[];
}

/**
 * Policies follow merge.ts's precedence (service level < its port level < subset level < the
 * subset's port level), so a subset's or port's connectionPool or outlierDetection replaces the one
 * below it whole, as in Istio.
 *
 * For each service port: the unsubsetted cluster (every endpoint) and one cluster per subset of the
 * DestinationRule that applies (the endpoints carrying all of the subset's labels). A route may name
 * a host, port or subset that does not exist; it still gets its cluster, with no endpoints, so the
 * proxy answers 503 UH for it and no route ever names a cluster that is missing. Sorted by name.
 */
export function buildClusters({ services, endpoints, destinationRuleFor, referenced }: ClusterParams): Cluster[] {
  const wanted = new Map<string, ClusterKey>();
  const want = (key: ClusterKey): void => {
    const name = clusterName(key);
    if (!wanted.has(name)) wanted.set(name, key);
  };
  for (const service of services.all) {
    const subsets = destinationRuleFor(service.fqdn, service.namespace)?.subsets ?? [];
    for (const port of service.ports) {
      want({ service: service.fqdn, port, subset: '' });
      for (const subset of subsets) want({ service: service.fqdn, port, subset: subset.name });
    }
  }
  for (const key of referenced) want(key);

  const clusters: Cluster[] = [];
  for (const [name, key] of wanted) {
    const target = services.byFqdn.get(key.service);
    const rule = destinationRuleFor(key.service, target?.namespace ?? parseServiceFqdn(key.service)?.namespace);
    const subset = key.subset === '' ? undefined : rule?.subsets.find((s) => s.name === key.subset);
    const policy = clusterPolicy(rule?.trafficPolicy, subset?.trafficPolicy, key.port);
    // An unknown subset selects nothing (not everything): routing to it must not leak to other versions.
    const known = target !== undefined && (key.subset === '' || subset !== undefined);
    const outlierDetection = convertOutlierDetection(policy.outlierDetection);
    const { transport, tls } = convertClientTls(policy.tls);
    clusters.push({
      name,
      service: key.service,
      port: key.port,
      subset: key.subset,
      lbPolicy: convertLoadBalancer(policy.loadBalancer),
      transport,
      ...(tls === undefined ? {} : { tls }),
      endpoints: known ? endpoints(target, key.port, subset?.labels) : [],
      // Always present, as Istio writes circuit-breaker thresholds on every cluster; outlier detection only when configured.
      connectionPool: convertConnectionPool(policy.connectionPool),
      ...(outlierDetection === undefined ? {} : { outlierDetection }),
    });
  }
  return clusters.sort((a, b) => compareStrings(a.name, b.name));
}
