/**
 * ClusterManager: the runtime clusters of the current config (endpoints + balancer) and the
 * endpoint pools behind them. Pools are keyed by endpoint and survive config versions, so a new
 * snapshot does not drop warm connections; pools of endpoints that left are closed.
 */
import type { Cluster, Endpoint, LbPolicy } from '../../model/proxy-config.ts';
import { createBalancer, type Balancer } from './balancer/balancer.ts';
import { EndpointPool, type Connector, type PoolOptions } from './pool.ts';

export interface ClusterRuntime {
  readonly name: string;
  readonly lbPolicy: LbPolicy;
  readonly members: readonly EndpointPool[];
  readonly balancer: Balancer<EndpointPool>;
}

export type ConnectorFactory = (endpoint: Endpoint) => Connector;

export class ClusterManager {
  #clusters = new Map<string, ClusterRuntime>();
  #pools = new Map<string, EndpointPool>();
  #connectorFor: ConnectorFactory;
  #poolOptions: PoolOptions;

  constructor(connectorFor: ConnectorFactory, poolOptions: PoolOptions) {
    this.#connectorFor = connectorFor;
    this.#poolOptions = poolOptions;
  }

  get(name: string): ClusterRuntime | undefined {
    return this.#clusters.get(name);
  }

  /** Replaces the cluster set; keeps the pools of endpoints still present. */
  update(clusters: readonly Cluster[]): void {
    const next = new Map<string, ClusterRuntime>();
    const used = new Map<string, EndpointPool>();
    for (const c of clusters) {
      const members: EndpointPool[] = [];
      for (const ep of c.endpoints) {
        // The identity is part of the key: the same address serving another identity is another endpoint.
        const key = `${ep.address}:${ep.port}`;
        const poolKey = `${key}|${ep.identity}`;
        let pool = used.get(poolKey) ?? this.#pools.get(poolKey);
        if (pool === undefined) pool = new EndpointPool(key, this.#connectorFor(ep), this.#poolOptions);
        used.set(poolKey, pool);
        members.push(pool);
      }
      // A balancer is per cluster and keeps its state (round-robin position) across versions.
      const prev = this.#clusters.get(c.name);
      const balancer = prev !== undefined && prev.lbPolicy === c.lbPolicy ? prev.balancer : createBalancer<EndpointPool>(c.lbPolicy);
      next.set(c.name, { name: c.name, lbPolicy: c.lbPolicy, members, balancer });
    }
    for (const [k, pool] of this.#pools) if (!used.has(k)) pool.close();
    this.#pools = used;
    this.#clusters = next;
  }

  /** Closes every pool (shutdown). */
  destroy(): void {
    for (const p of this.#pools.values()) p.destroy();
    this.#pools.clear();
    this.#clusters.clear();
  }
}
