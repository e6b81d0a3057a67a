// Tests of DestinationRule lookup: namespace order, host specificity, workload selectors, merging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DestinationRuleSpec } from '../../api/kinds/destination-rule/types.ts';
import { indexDestinationRules } from './destination-rules.ts';
import { destinationRule, proxyOf, workload } from './test-fixtures.ts';

const ROOT = 'istio-system';
const fqdn = 'user-service.default.svc.cluster.local';
const shopProxy = proxyOf(workload('web-1', 'web', 'v1', { namespace: 'shop' }));
const defaultProxy = proxyOf(workload('orders-1', 'order-service', 'v1'));

const spec = (host: string, extra: Partial<DestinationRuleSpec> = {}): DestinationRuleSpec => ({ host, ...extra });

function applied(rules: Parameters<typeof indexDestinationRules>[0], proxy = shopProxy, host = fqdn, serviceNs: string | undefined = 'default') {
  return indexDestinationRules(rules, proxy, ROOT)(host, serviceNs)?.from;
}

test('proxy namespace, then service namespace, then root namespace', () => {
  const inProxyNs = destinationRule('a', spec('user-service.default'), 'shop');
  const inServiceNs = destinationRule('b', spec('user-service'), 'default');
  const inRoot = destinationRule('c', spec('user-service.default.svc.cluster.local'), ROOT);
  assert.deepEqual(applied([inRoot, inServiceNs, inProxyNs]), ['shop/a']);
  assert.deepEqual(applied([inRoot, inServiceNs]), ['default/b']);
  assert.deepEqual(applied([inRoot]), [`${ROOT}/c`]);
  assert.equal(applied([]), undefined);
});

test('a short host in a DestinationRule is relative to the rule namespace', () => {
  // "user-service" written in namespace shop names user-service.shop, not user-service.default.
  assert.equal(applied([destinationRule('a', spec('user-service'), 'shop')]), undefined);
  assert.deepEqual(applied([destinationRule('a', spec('user-service'), 'shop')], shopProxy, 'user-service.shop.svc.cluster.local', 'shop'), ['shop/a']);
});

test('a rule in an unrelated namespace does not apply', () => {
  assert.equal(applied([destinationRule('a', spec('user-service.default'), 'elsewhere')]), undefined);
});

test('within a namespace the most specific host wins: exact over *.ns over *', () => {
  const star = destinationRule('star', spec('*'), 'default');
  const nsWild = destinationRule('ns', spec('*.default.svc.cluster.local'), 'default');
  const exact = destinationRule('exact', spec('user-service'), 'default');
  assert.deepEqual(applied([star, nsWild, exact]), ['default/exact']);
  assert.deepEqual(applied([star, nsWild]), ['default/ns']);
  assert.deepEqual(applied([star]), ['default/star']);
});

test('a wildcard rule in the proxy namespace beats an exact one in the service namespace (namespace first)', () => {
  assert.deepEqual(applied([destinationRule('exact', spec('user-service'), 'default'), destinationRule('wild', spec('*'), 'shop')]), ['shop/wild']);
});

test('a workloadSelector rule applies only to matching proxies of its own namespace, and beats a rule without one', () => {
  const plain = destinationRule('plain', spec('user-service'), 'default');
  const forOrders = destinationRule('for-orders', spec('user-service', { workloadSelector: { matchLabels: { app: 'order-service' } } }), 'default');
  const forOthers = destinationRule('for-others', spec('user-service', { workloadSelector: { matchLabels: { app: 'nobody' } } }), 'default');
  assert.deepEqual(applied([plain, forOrders, forOthers], defaultProxy), ['default/for-orders']);
  // A proxy of another namespace never gets a selector rule, whatever its labels.
  const shopOrders = proxyOf(workload('o', 'order-service', 'v1', { namespace: 'shop' }));
  assert.deepEqual(applied([plain, forOrders], shopOrders), ['default/plain']);
  // A non-matching selector rule hides nothing: the next namespace's rule applies.
  const rootRule = destinationRule('root', spec('user-service.default'), ROOT);
  assert.deepEqual(applied([forOthers, rootRule], defaultProxy), [`${ROOT}/root`]);
});

test('several rules for one host in one namespace merge: subsets concatenated (first name wins), first trafficPolicy wins', () => {
  const a = destinationRule('a', spec('user-service', { subsets: [{ name: 'v1', labels: { version: 'v1' } }] }), 'default');
  const b = destinationRule(
    'b',
    spec('user-service', {
      trafficPolicy: { loadBalancer: { simple: 'RANDOM' } },
      subsets: [{ name: 'v1', labels: { version: 'other' } }, { name: 'v2', labels: { version: 'v2' } }],
    }),
    'default',
  );
  const c = destinationRule('c', spec('user-service', { trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }), 'default');
  const rule = indexDestinationRules([c, b, a], defaultProxy, ROOT)(fqdn, 'default');
  assert.deepEqual(rule?.from, ['default/a', 'default/b', 'default/c']);
  assert.deepEqual(rule?.subsets, [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]);
  assert.deepEqual(rule?.trafficPolicy, { loadBalancer: { simple: 'RANDOM' } });
});

test('a host that is not a service still finds rules in the proxy and root namespaces', () => {
  const r = destinationRule('ext', spec('api.example.com'), ROOT);
  assert.deepEqual(applied([r], shopProxy, 'api.example.com', undefined), [`${ROOT}/ext`]);
});

test('a proxy in the root namespace searches the root namespace first, then the service namespace', () => {
  const rootProxy = proxyOf(workload('ingress', 'ingress', undefined, { namespace: ROOT }));
  const inRoot = destinationRule('r', spec('user-service.default'), ROOT);
  const inService = destinationRule('s', spec('user-service'), 'default');
  assert.deepEqual(applied([inService, inRoot], rootProxy), [`${ROOT}/r`]);
  assert.deepEqual(applied([inService], rootProxy), ['default/s']);
});
