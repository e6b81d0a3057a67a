/** Round robin: endpoints in turn. The starting point is random so that many sidecars do not all start on the first endpoint. */
import type { Balancer, Pickable } from './balancer.ts';

export class RoundRobinBalancer<T extends Pickable> implements Balancer<T> {
  #next = -1;

  pick(items: readonly T[], rand: () => number): T | null {
    const n = items.length;
    if (n === 0) return null;
    if (this.#next < 0) this.#next = Math.floor(rand() * n);
    const item = items[this.#next % n]!;
    this.#next = (this.#next + 1) % n;
    return item;
  }
}
