import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBalancer } from './balancer.ts';
import { balancerSuite, seeded } from '../../../../test/conformance/balancer.suite.ts';
import { LB_POLICIES } from '../../../model/proxy-config.ts';

for (const policy of LB_POLICIES) {
  test(`${policy} passes the balancer conformance suite`, () => balancerSuite(() => createBalancer(policy)));
}

test('ROUND_ROBIN visits endpoints in turn', () => {
  const b = createBalancer<{ id: number; active: number }>('ROUND_ROBIN');
  const items = [0, 1, 2].map((id) => ({ id, active: 0 }));
  const seq = Array.from({ length: 6 }, () => b.pick(items, seeded(7))!.id);
  assert.deepEqual(seq.slice(3), seq.slice(0, 3));
  assert.deepEqual([...seq.slice(0, 3)].sort(), [0, 1, 2]);
});

test('LEAST_REQUEST prefers the endpoint with fewer requests in flight', () => {
  const b = createBalancer<{ id: number; active: number }>('LEAST_REQUEST');
  const items = [{ id: 0, active: 10 }, { id: 1, active: 0 }];
  const rand = seeded(3);
  for (let i = 0; i < 50; i++) assert.equal(b.pick(items, rand)!.id, 1);
});
