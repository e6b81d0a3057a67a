/**
 * Least request, as Envoy does it by default (choice_count 2): the "power of two choices" — pick
 * two endpoints at random and take the one with fewer requests in flight. O(1), and avoids the
 * herd that a global minimum causes when many sidecars see the same counts.
 */
import type { Balancer, Pickable } from './balancer.ts';

export class LeastRequestBalancer<T extends Pickable> implements Balancer<T> {
  pick(items: readonly T[], rand: () => number): T | null {
    const n = items.length;
    if (n === 0) return null;
    if (n === 1) return items[0]!;
    const a = Math.floor(rand() * n);
    let b = Math.floor(rand() * (n - 1));
    if (b >= a) b++;
    const ea = items[a]!;
    const eb = items[b]!;
    return eb.active < ea.active ? eb : ea;
  }
}
