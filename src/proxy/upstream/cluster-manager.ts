/**
 * ClusterManager: the runtime clusters of the current config. Each has a balancer, a circuit
 * breaker (its connection/pending/request/retry budgets), an outlier detector when configured,
 * and one pool per endpoint. Envoy's thresholds are per cluster, so pools are per (cluster,
 * endpoint): two subsets of a service never share connections. Breakers, detectors and pools
 * survive config versions while their cluster (and endpoint) stays, so a new snapshot keeps warm
 * connections, counters and ejections; pools of endpoints that left are closed.
 *
 * Idle timeout rule (peers): effective = min(the cluster's idleTimeout, PoolDefaults.idleTimeoutMs).
 * Istio's default idleTimeout is 1 h, but a peer sidecar closes an idle inbound connection after
 * 300 s; the cap (60 s in main.ts) plus the sweeper's precision (a quarter of it) stays well below
 * that, so the pool closes first and never reuses a connection the peer is closing.
 */
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { Cluster, Endpoint, LbPolicy } from '../../model/proxy-config.ts';
import { createBalancer, type Balancer } from './balancer/balancer.ts';
import { CircuitBreaker, thresholdsOf } from './circuit-breaker.ts';
import { transportKey } from '../transport/upstream.ts';
import { OutlierDetector } from './outlier.ts';
import { EndpointPool, type Connector, type PoolOptions } from './pool.ts';

export interface ClusterRuntime {
  readonly name: string;
  readonly lbPolicy: LbPolicy;
  /** Every endpoint of the cluster (the outlier detector narrows them to the eligible ones). */
  readonly members: readonly EndpointPool[];
  readonly balancer: Balancer<EndpointPool>;
  /** The cluster's circuit breaker; the retry stage calls limits.tryStartRetry() / endRetry(). */
  readonly limits: CircuitBreaker;
  /** Null when the cluster has no outlierDetection. */
  readonly outlier: OutlierDetector<EndpointPool> | null;
}

/** Opens connections to one endpoint of `cluster` (whose transport it follows, issue 4), each bounded by `connectTimeoutMs` (TCP connect + TLS handshake). */
export type ConnectorFactory = (endpoint: Endpoint, connectTimeoutMs: number, cluster: Cluster) => Connector;

export interface PoolDefaults {
  /** Idle timeout when the cluster sets none, and the cap of any it sets (ms). */
  readonly idleTimeoutMs: number;
  /** Connect timeout when the cluster sets none (ms); Istio's default is 10 s. */
  readonly connectTimeoutMs?: number;
}

const ISTIO_CONNECT_TIMEOUT_MS = 10_000;

/** A cluster of one fixed endpoint (the local app behind the inbound listener): no limits, no outlier detection. */
export function singleEndpointCluster(name: string, pool: EndpointPool): ClusterRuntime {
  return { name, lbPolicy: 'ROUND_ROBIN', members: [pool], balancer: createBalancer('ROUND_ROBIN'), limits: pool.limits, outlier: null };
}

export class ClusterManager {
  #clusters = new Map<string, ClusterRuntime>();
  /** Key: cluster name, endpoint address:port, identity (the same address serving another identity is another endpoint) and transport (plaintext and mTLS never share a pool). */
  #pools = new Map<string, EndpointPool>();
  readonly #connectorFor: ConnectorFactory;
  readonly #defaults: PoolDefaults;
  readonly #clock: Clock;

  constructor(connectorFor: ConnectorFactory, defaults: PoolDefaults, clock: Clock = systemClock) {
    this.#connectorFor = connectorFor;
    this.#defaults = defaults;
    this.#clock = clock;
  }

  get(name: string): ClusterRuntime | undefined {
    return this.#clusters.get(name);
  }

  /** Replaces the cluster set; keeps what belongs to clusters and endpoints still present. */
  update(clusters: readonly Cluster[]): void {
    const next = new Map<string, ClusterRuntime>();
    const used = new Map<string, EndpointPool>();
    for (const c of clusters) {
      const prev = this.#clusters.get(c.name);
      const cp = c.connectionPool;
      const limits = prev?.limits ?? new CircuitBreaker(c.name);
      limits.configure(thresholdsOf(cp));
      const cap = this.#defaults.idleTimeoutMs;
      const opts: PoolOptions = {
        idleTimeoutMs: cp !== undefined && cp.idleTimeoutMs > 0 ? Math.min(cp.idleTimeoutMs, cap) : cap,
        maxRequestsPerConnection: cp?.maxRequestsPerConnection ?? 0,
      };
      const connectTimeoutMs = cp?.connectTimeoutMs ?? this.#defaults.connectTimeoutMs ?? ISTIO_CONNECT_TIMEOUT_MS;
      const members: EndpointPool[] = [];
      for (const ep of c.endpoints) {
        const key = `${c.name}|${ep.address}:${ep.port}|${ep.identity}|${transportKey(c, ep)}`;
        if (used.has(key)) continue;
        let pool = this.#pools.get(key);
        if (pool === undefined) pool = new EndpointPool(`${ep.address}:${ep.port}`, this.#connectorFor(ep, connectTimeoutMs, c), opts, limits);
        else pool.configure(opts, this.#connectorFor(ep, connectTimeoutMs, c));
        pool.endpoint = ep;
        used.set(key, pool);
        members.push(pool);
      }
      let outlier = prev?.outlier ?? null;
      if (c.outlierDetection === undefined) {
        outlier?.destroy();
        outlier = null;
      } else {
        if (outlier === null) outlier = new OutlierDetector<EndpointPool>(c.outlierDetection, this.#clock);
        else outlier.configure(c.outlierDetection);
        outlier.setHosts(members);
      }
      // A balancer keeps its state (round-robin position) across versions.
      const balancer = prev !== undefined && prev.lbPolicy === c.lbPolicy ? prev.balancer : createBalancer<EndpointPool>(c.lbPolicy);
      next.set(c.name, { name: c.name, lbPolicy: c.lbPolicy, members, balancer, limits, outlier });
    }
    for (const [name, rt] of this.#clusters) if (!next.has(name)) rt.outlier?.destroy();
    for (const [k, pool] of this.#pools) if (!used.has(k)) pool.close();
    this.#pools = used;
    this.#clusters = next;
  }

  /** Issue 4: after a certificate rotation, every pool stops reusing its connections (EndpointPool.retire). */
  retireConnections(): void {
    for (const p of this.#pools.values()) p.retire();
  }

  /** Closes every pool and stops every detector (shutdown). */
  destroy(): void {
    for (const rt of this.#clusters.values()) rt.outlier?.destroy();
    for (const p of this.#pools.values()) p.destroy();
    this.#pools.clear();
    this.#clusters.clear();
  }
}
