/** Balancer: picks one endpoint of a cluster for a request (Envoy's load-balancing policies). */
import type { LbPolicy } from '../../../model/proxy-config.ts';
import { RoundRobinBalancer } from './round-robin.ts';
import { LeastRequestBalancer } from './least-request.ts';
import { RandomBalancer } from './random.ts';

/** What a balancer sees of an endpoint: its in-flight request count. */
export interface Pickable {
  readonly active: number;
}

export interface Balancer<T extends Pickable> {
  /** One of `items`, or null when there are none. `rand` returns uniform [0, 1). */
  pick(items: readonly T[], rand: () => number): T | null;
}

export function createBalancer<T extends Pickable>(policy: LbPolicy): Balancer<T> {
  switch (policy) {
    case 'ROUND_ROBIN':
      return new RoundRobinBalancer<T>();
    case 'LEAST_REQUEST':
      return new LeastRequestBalancer<T>();
    case 'RANDOM':
      return new RandomBalancer<T>();
  }
}
