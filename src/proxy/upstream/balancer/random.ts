/** Random: each request goes to an endpoint chosen uniformly at random. */
import type { Balancer, Pickable } from './balancer.ts';

export class RandomBalancer<T extends Pickable> implements Balancer<T> {
  pick(items: readonly T[], rand: () => number): T | null {
    const n = items.length;
    if (n === 0) return null;
    return items[Math.floor(rand() * n)]!;
  }
}
