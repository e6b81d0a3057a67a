import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBatch } from './analyze.ts';
import type { Resource } from './resource.ts';
import { apply, at, destinationRule, ORDER_SUBSETS, show, testdata, virtualService, yamlOf } from './test-support.ts';

const split = (subsets: readonly string[], host = 'order-service') => ({
  hosts: [host],
  http: [{ route: subsets.map((s, i) => ({ destination: { host, subset: s }, weight: i === 0 ? 100 - 10 * (subsets.length - 1) : 10 })) }],
});

/** The resources of an accepted batch, as the store would hold them. */
function stored(...docs: unknown[]): Resource[] {
  const r = apply(docs);
  assert.ok(r.ok, show(r.errors));
  return r.resources;
}

test('a subset that no DestinationRule defines is an error at the destination, with file and line', () => {
  const r = validateBatch([testdata('virtual-service', 'bad-undefined-subset.yaml')], [], 'apply');
  assert.equal(r.ok, false);
  assert.equal(r.resources.length, 0, 'nothing of a rejected batch is handed out');
  assert.equal(r.errors.length, 1, show(r.errors));
  const [e] = r.errors;
  assert.equal(e!.file, 'bad-undefined-subset.yaml');
  assert.equal(e!.line, 16);
  assert.equal(e!.path, 'spec.http[0].route[1].destination.subset');
  assert.equal(e!.resource, 'VirtualService/default/order-service');
  assert.match(e!.message, /subset "v3" is not defined by any DestinationRule for host order-service\.default\.svc\.cluster\.local \(defined: v1, v2\)/);
});

test('with no DestinationRule for the host at all, the error says to apply one', () => {
  const r = apply([virtualService(split(['v1', 'v2']))]);
  assert.equal(at(r.errors, 'spec.http[0].route[0].destination.subset').length, 1);
  assert.match(r.errors[0]!.message, /there is no DestinationRule for this host/);
});

test('subsets defined by a stored DestinationRule count; every spelling of the host resolves alike', () => {
  const store = stored(ORDER_SUBSETS);
  assert.ok(apply([virtualService(split(['v1', 'v2']))], store).ok);
  assert.ok(apply([virtualService(split(['v1'], 'order-service.default.svc.cluster.local'))], store).ok);
  assert.ok(apply([virtualService(split(['v2'], 'order-service.default'))], store).ok);
  // A short name in another namespace is another service.
  const other = apply([virtualService(split(['v1']), 'order-service', { namespace: 'shop' })], store);
  assert.match(other.errors[0]?.message ?? '', /for host order-service\.shop\.svc\.cluster\.local/);
  // A wildcard DestinationRule host covers the service.
  const wildcard = stored(destinationRule({ host: '*.default.svc.cluster.local', subsets: [{ name: 'blue' }] }, 'all'));
  assert.ok(apply([virtualService(split(['blue']))], wildcard).ok);
});

test('mirror and tcp/tls destinations are checked too', () => {
  const r = apply([virtualService({ hosts: ['order-service'], http: [{ route: [{ destination: { host: 'order-service' } }], mirror: { host: 'order-service', subset: 'shadow' } }], tcp: [{ route: [{ destination: { host: 'order-service', subset: 'db' } }] }] }), ORDER_SUBSETS]);
  assert.deepEqual(r.errors.map((e) => e.path), ['spec.http[0].mirror.subset', 'spec.tcp[0].route[0].destination.subset']);
});

test('re-applying a DestinationRule without a subset a stored VirtualService uses is an error on the rule', () => {
  const store = stored(virtualService(split(['v1', 'v2'])), ORDER_SUBSETS);
  const r = apply([destinationRule({ host: 'order-service', subsets: [{ name: 'v1', labels: { version: 'v1' } }] })], store);
  assert.equal(r.ok, false);
  const [e] = r.errors;
  assert.equal(e!.path, 'spec.subsets');
  assert.equal(e!.resource, 'DestinationRule/default/order-service');
  assert.match(e!.message, /VirtualService default\/order-service routes to subset "v2" of order-service\.default\.svc\.cluster\.local \(spec\.http\[0\]\.route\[1\]\.destination\.subset\), which no DestinationRule would define after this apply/);
});

test('applying the VirtualService and the rule together is judged on the result', () => {
  const store = stored(virtualService(split(['v1', 'v2'])), ORDER_SUBSETS);
  const r = apply([virtualService(split(['v1'])), destinationRule({ host: 'order-service', subsets: [{ name: 'v1' }] })], store);
  assert.deepEqual(r.errors, [], show(r.errors));
});

test('deleting a DestinationRule that a stored VirtualService still needs is an error; deleting both is fine', () => {
  const store = stored(virtualService(split(['v1', 'v2'])), ORDER_SUBSETS);
  const onlyRule = validateBatch([{ name: 'dr.yaml', text: yamlOf(ORDER_SUBSETS) }], store, 'delete');
  assert.equal(onlyRule.ok, false);
  assert.equal(onlyRule.errors.length, 2, show(onlyRule.errors));
  assert.equal(onlyRule.errors[0]!.file, 'dr.yaml');
  assert.equal(onlyRule.errors[0]!.line, 1);
  assert.match(onlyRule.errors[0]!.message, /which no DestinationRule would define after this delete/);
  const both = validateBatch([{ name: 'both.yaml', text: yamlOf(virtualService(split(['v1', 'v2'])), ORDER_SUBSETS) }], store, 'delete');
  assert.deepEqual(both.errors, [], show(both.errors));
  assert.equal(both.resources.length, 2);
});

test('references broken before this batch are not blamed on it', () => {
  // The store never holds this, but a store written by an older Weft might.
  const broken: Resource[] = [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'old', namespace: 'default' }, spec: split(['gone']) }];
  const r = apply([destinationRule({ host: 'order-service', subsets: [{ name: 'v1' }] })], broken);
  assert.deepEqual(r.errors, [], show(r.errors));
});

test('the same subset defined by two DestinationRules for one host is a warning on the rule being applied', () => {
  const store = stored(ORDER_SUBSETS);
  const r = apply([destinationRule({ host: 'order-service.default.svc.cluster.local', subsets: [{ name: 'canary' }, { name: 'v2' }] }, 'order-service-extra')], store);
  assert.deepEqual(r.errors, []);
  const [w] = at(r.warnings, 'spec.subsets[1].name');
  assert.match(w?.message ?? '', /subset "v2" of order-service\.default\.svc\.cluster\.local is also defined by DestinationRule default\/order-service/);
});

test('cross-validation waits until every document loads, so one broken rule does not cascade', () => {
  const badRule = destinationRule({ host: 'order-service', subsets: [{ name: 'v1' }, { name: 'v2' }], bogus: true });
  const r = apply([virtualService(split(['v1', 'v2'])), badRule]);
  assert.deepEqual(r.errors.map((e) => e.path), ['spec.bogus']);
});
