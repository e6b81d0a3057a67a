// Tests of the AuthorizationPolicy compiler: scope (root namespace, own namespace, selector), the action split, and every field converted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationPolicySpec } from '../../api/kinds/authorization-policy/types.ts';
import type { AuthorizationPolicy } from '../../api/resource.ts';
import { buildAuthorization, convertRule, stringMatch } from './authorization.ts';
import { compile } from './index.ts';
import { input, proxyOf, service, workload } from './test-fixtures.ts';

const pay = workload('payment-service-0', 'payment-service', 'v1', { address: '10.1.2.3' });
const payShop = workload('payment-service-0', 'payment-service', 'v1', { namespace: 'shop' });
const order = workload('order-service-0', 'order-service');

function ap(name: string, spec: AuthorizationPolicySpec, namespace = 'default'): AuthorizationPolicy {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace }, spec };
}

const build = (policies: readonly AuthorizationPolicy[], w = pay) => buildAuthorization({ policies, proxy: proxyOf(w), workloads: [pay, payShop, order], rootNamespace: 'istio-system' });
const names = (ps: readonly { name: string }[] | undefined): string[] => (ps ?? []).map((p) => p.name);

test('no policy in scope: no authorization at all (and compile leaves the field out)', () => {
  assert.equal(build([]), undefined);
  assert.equal(build([ap('other-ns', {}, 'shop')]), undefined);
  assert.equal(build([ap('other-app', { selector: { matchLabels: { app: 'order-service' } } })]), undefined);
  const out = compile(input({ proxy: proxyOf(pay), services: [service('payment-service', [8080])], workloads: [pay] }));
  assert.equal(out.inbound.authorization, undefined);
});

test('scope: the root namespace applies mesh-wide (selector still narrows), the own namespace applies, others do not', () => {
  const policies = [
    ap('mesh-deny', { action: 'DENY', rules: [{}] }, 'istio-system'),
    ap('mesh-pay-only', { selector: { matchLabels: { app: 'payment-service' } }, rules: [{}] }, 'istio-system'),
    ap('ns-wide', {}, 'default'),
    ap('pay-v1', { selector: { matchLabels: { app: 'payment-service', version: 'v1' } }, action: 'AUDIT', rules: [{}] }),
    ap('pay-v2', { selector: { matchLabels: { version: 'v2' } }, rules: [{}] }),
    ap('empty-selector', { selector: { matchLabels: {} }, action: 'DENY' }),
    ap('shop-only', { rules: [{}] }, 'shop'),
  ];
  const a = build(policies);
  assert.deepEqual(names(a?.deny), ['ns[default]-policy[empty-selector]', 'ns[istio-system]-policy[mesh-deny]']);
  assert.deepEqual(names(a?.allow), ['ns[default]-policy[ns-wide]', 'ns[istio-system]-policy[mesh-pay-only]']);
  assert.deepEqual(names(a?.audit), ['ns[default]-policy[pay-v1]']);
  assert.equal(a?.destinationIp, '10.1.2.3', 'destination.ip is the address peers connect to');
  const shop = build(policies, payShop);
  assert.deepEqual([names(shop?.deny), names(shop?.allow)], [['ns[istio-system]-policy[mesh-deny]'], ['ns[istio-system]-policy[mesh-pay-only]', 'ns[shop]-policy[shop-only]']]);
  const ord = build(policies, order);
  assert.deepEqual([names(ord?.deny), names(ord?.allow), names(ord?.audit)], [['ns[default]-policy[empty-selector]', 'ns[istio-system]-policy[mesh-deny]'], ['ns[default]-policy[ns-wide]'], []]);
});

test('Istio\'s empty forms: spec {} is an ALLOW policy with no rule; rules [{}] is a rule with nothing to check', () => {
  assert.deepEqual(build([ap('deny-all', {})]), { deny: [], allow: [{ name: 'ns[default]-policy[deny-all]', rules: [] }], audit: [], destinationIp: '10.1.2.3' });
  assert.deepEqual(build([ap('allow-all', { rules: [{}] })])?.allow[0]?.rules, [{ from: [], to: [], when: [] }]);
});

test('the order of the input does not change the output', () => {
  const ps = [ap('b', { rules: [{}] }), ap('a', { action: 'DENY', rules: [{}] }), ap('c', { rules: [{}] }, 'istio-system')];
  assert.deepEqual(build(ps), build([...ps].reverse()));
});

test('string forms: exact, prefix*, *suffix, * (present)', () => {
  assert.deepEqual(['/a', '/a/*', '*.png', '*', 'a*b'].map(stringMatch), [
    { kind: 'exact', value: '/a' }, { kind: 'prefix', value: '/a/' }, { kind: 'suffix', value: '.png' }, { kind: 'present' }, { kind: 'exact', value: 'a*b' },
  ]);
});

test('every source field and its not-form becomes one check', () => {
  const r = convertRule({ from: [{ source: {
    principals: ['cluster.local/ns/default/sa/order-service'], notPrincipals: ['*'],
    requestPrincipals: ['iss/sub'], notRequestPrincipals: ['*'],
    namespaces: ['default'], notNamespaces: ['test-*'],
    ipBlocks: ['10.0.0.0/8'], notIpBlocks: ['10.1.0.0/16'], remoteIpBlocks: ['1.2.3.4'], notRemoteIpBlocks: ['::1'],
  } }, { source: { namespaces: ['shop'] } }] });
  assert.deepEqual(r.from, [[
    { attribute: 'source.principal', values: [{ kind: 'exact', value: 'cluster.local/ns/default/sa/order-service' }], negate: false },
    { attribute: 'source.principal', values: [{ kind: 'present' }], negate: true },
    { attribute: 'absent', key: 'request.auth.principal', values: [{ kind: 'exact', value: 'iss/sub' }], negate: false },
    { attribute: 'absent', key: 'request.auth.principal', values: [{ kind: 'present' }], negate: true },
    { attribute: 'source.namespace', values: [{ kind: 'exact', value: 'default' }], negate: false },
    { attribute: 'source.namespace', values: [{ kind: 'prefix', value: 'test-' }], negate: true },
    { attribute: 'source.ip', cidrs: ['10.0.0.0/8'], negate: false },
    { attribute: 'source.ip', cidrs: ['10.1.0.0/16'], negate: true },
    { attribute: 'remote.ip', cidrs: ['1.2.3.4'], negate: false },
    { attribute: 'remote.ip', cidrs: ['::1'], negate: true },
  ], [{ attribute: 'source.namespace', values: [{ kind: 'exact', value: 'shop' }], negate: false }]]);
  assert.deepEqual([r.to, r.when], [[], []]);
});

test('every operation field: hosts lower-cased, ports as numbers', () => {
  const r = convertRule({ to: [{ operation: { hosts: ['Payment-Service*'], notHosts: ['*.Internal'], ports: ['8080'], notPorts: ['9090'], methods: ['POST'], notMethods: ['GET'], paths: ['/payments/*'], notPaths: ['/payments/admin'] } }] });
  assert.deepEqual(r.to, [[
    { attribute: 'request.host', values: [{ kind: 'prefix', value: 'payment-service' }], negate: false },
    { attribute: 'request.host', values: [{ kind: 'suffix', value: '.internal' }], negate: true },
    { attribute: 'destination.port', ports: [8080], negate: false },
    { attribute: 'destination.port', ports: [9090], negate: true },
    { attribute: 'request.method', values: [{ kind: 'exact', value: 'POST' }], negate: false },
    { attribute: 'request.method', values: [{ kind: 'exact', value: 'GET' }], negate: true },
    { attribute: 'request.path', values: [{ kind: 'prefix', value: '/payments/' }], negate: false },
    { attribute: 'request.path', values: [{ kind: 'exact', value: '/payments/admin' }], negate: true },
  ]]);
});

test('every condition key: values and notValues as two checks', () => {
  const r = convertRule({ when: [
    { key: 'request.headers[X-Token]', values: ['abc'], notValues: ['revoked*'] },
    { key: 'source.ip', values: ['127.0.0.1'] },
    { key: 'remote.ip', notValues: ['10.0.0.0/8'] },
    { key: 'destination.ip', values: ['127.0.0.1'] },
    { key: 'destination.port', values: ['8080'] },
    { key: 'source.namespace', values: ['default'] },
    { key: 'source.principal', notValues: ['*'] },
    { key: 'connection.sni', values: ['*.svc'] },
    { key: 'request.auth.claims[iss]', values: ['x'] },
  ] });
  assert.deepEqual(r.when, [
    { attribute: 'request.header', header: 'x-token', values: [{ kind: 'exact', value: 'abc' }], negate: false },
    { attribute: 'request.header', header: 'x-token', values: [{ kind: 'prefix', value: 'revoked' }], negate: true },
    { attribute: 'source.ip', cidrs: ['127.0.0.1'], negate: false },
    { attribute: 'remote.ip', cidrs: ['10.0.0.0/8'], negate: true },
    { attribute: 'destination.ip', cidrs: ['127.0.0.1'], negate: false },
    { attribute: 'destination.port', ports: [8080], negate: false },
    { attribute: 'source.namespace', values: [{ kind: 'exact', value: 'default' }], negate: false },
    { attribute: 'source.principal', values: [{ kind: 'present' }], negate: true },
    { attribute: 'connection.sni', values: [{ kind: 'suffix', value: '.svc' }], negate: false },
    { attribute: 'absent', key: 'request.auth.claims[iss]', values: [{ kind: 'exact', value: 'x' }], negate: false },
  ]);
});

test('compile puts the seed\'s policy on payment-service\'s inbound only', () => {
  const seed = ap('payment-service-policy', {
    selector: { matchLabels: { app: 'payment-service' } },
    action: 'ALLOW',
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/order-service'] } }], to: [{ operation: { methods: ['POST'], paths: ['/payments/*'] } }] }],
  });
  const services = [service('payment-service', [8080]), service('order-service', [8080])];
  const forPay = compile({ ...input({ proxy: proxyOf(pay), services, workloads: [pay, order] }), authorizationPolicies: [seed] });
  assert.deepEqual(forPay.inbound.authorization?.allow, [{
    name: 'ns[default]-policy[payment-service-policy]',
    rules: [{
      from: [[{ attribute: 'source.principal', values: [{ kind: 'exact', value: 'cluster.local/ns/default/sa/order-service' }], negate: false }]],
      to: [[{ attribute: 'request.method', values: [{ kind: 'exact', value: 'POST' }], negate: false }, { attribute: 'request.path', values: [{ kind: 'prefix', value: '/payments/' }], negate: false }]],
      when: [],
    }],
  }]);
  const forOrder = compile({ ...input({ proxy: proxyOf(order), services, workloads: [pay, order] }), authorizationPolicies: [seed] });
  assert.equal(forOrder.inbound.authorization, undefined);
});
