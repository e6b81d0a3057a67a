// Tests of the compile-time match conditions: port, sourceLabels, sourceNamespace, gateways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applicableMatches } from './match-scope.ts';
import { proxyOf, workload } from './test-fixtures.ts';

const proxy = proxyOf(workload('orders-1', 'order-service', 'v1'));

test('no match blocks: the route matches everything', () => {
  assert.deepEqual(applicableMatches(undefined, 8080, proxy), []);
  assert.deepEqual(applicableMatches([], 8080, proxy), []);
});

test('match.port keeps a block on that port only; the route is left out where no block survives', () => {
  const blocks = [{ port: 8080, uri: { prefix: '/a' } }, { port: 9090, uri: { prefix: '/b' } }, { uri: { prefix: '/c' } }];
  assert.deepEqual(applicableMatches(blocks, 8080, proxy), [blocks[0], blocks[2]]);
  assert.deepEqual(applicableMatches(blocks, 9090, proxy), [blocks[1], blocks[2]]);
  assert.equal(applicableMatches([{ port: 9090 }], 8080, proxy), null);
});

test('sourceLabels, sourceNamespace and gateways are settled against the proxy', () => {
  assert.equal(applicableMatches([{ sourceLabels: { app: 'order-service' } }], 8080, proxy)?.length, 1);
  assert.equal(applicableMatches([{ sourceLabels: { app: 'order-service', version: 'v2' } }], 8080, proxy), null);
  assert.equal(applicableMatches([{ sourceNamespace: 'default' }], 8080, proxy)?.length, 1);
  assert.equal(applicableMatches([{ sourceNamespace: 'shop' }], 8080, proxy), null);
  assert.equal(applicableMatches([{ gateways: ['mesh'] }], 8080, proxy)?.length, 1);
  assert.equal(applicableMatches([{ gateways: ['istio-system/ingress'] }], 8080, proxy), null);
});
