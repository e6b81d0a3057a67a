// Shared conformance suite every balancer runs (STYLE.md rule 9): run by src/proxy/upstream/balancer/balancer.test.ts.
import assert from 'node:assert/strict';
import type { Balancer, Pickable } from '../../src/proxy/upstream/balancer/balancer.ts';

interface Item extends Pickable { id: number; active: number }

/** A deterministic uniform source (xorshift) so the suite's counts are repeatable. */
export function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

export function balancerSuite(make: () => Balancer<Item>): void {
  const rand = seeded(42);
  const b = make();
  assert.equal(b.pick([], rand), null, 'no endpoints → null');
  const one = [{ id: 0, active: 0 }];
  for (let i = 0; i < 10; i++) assert.equal(b.pick(one, rand), one[0], 'single endpoint always picked');
  // With equal load, every endpoint gets a fair share.
  const items: Item[] = [0, 1, 2, 3].map((id) => ({ id, active: 0 }));
  const counts = [0, 0, 0, 0];
  const b2 = make();
  for (let i = 0; i < 4000; i++) counts[b2.pick(items, rand)!.id]!++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `fair share, got ${counts.join(',')}`);
}
