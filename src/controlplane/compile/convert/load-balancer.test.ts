// Tests of the loadBalancer → LbPolicy converter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertLoadBalancer } from './load-balancer.ts';

test('ROUND_ROBIN, RANDOM and LEAST_REQUEST map to themselves', () => {
  assert.equal(convertLoadBalancer({ simple: 'ROUND_ROBIN' }), 'ROUND_ROBIN');
  assert.equal(convertLoadBalancer({ simple: 'RANDOM' }), 'RANDOM');
  assert.equal(convertLoadBalancer({ simple: 'LEAST_REQUEST' }), 'LEAST_REQUEST');
});

test('LEAST_CONN is the deprecated alias of LEAST_REQUEST', () => {
  assert.equal(convertLoadBalancer({ simple: 'LEAST_CONN' }), 'LEAST_REQUEST');
});

test("absent, UNSPECIFIED, PASSTHROUGH and consistentHash fall back to Istio's default, LEAST_REQUEST", () => {
  assert.equal(convertLoadBalancer(undefined), 'LEAST_REQUEST');
  assert.equal(convertLoadBalancer({}), 'LEAST_REQUEST');
  assert.equal(convertLoadBalancer({ simple: 'UNSPECIFIED' }), 'LEAST_REQUEST');
  assert.equal(convertLoadBalancer({ simple: 'PASSTHROUGH' }), 'LEAST_REQUEST');
  assert.equal(convertLoadBalancer({ consistentHash: { httpHeaderName: 'x-user' } }), 'LEAST_REQUEST');
});
