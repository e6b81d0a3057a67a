// Tests of route destination conversion: host resolution, port choice, weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexServices } from '../services.ts';
import { service } from '../test-fixtures.ts';
import { convertRouteDestinations, destinationKey } from './destination.ts';

const services = indexServices([
  service('user-service', [8080]),
  service('web', [80, 8080]),
  service('billing', [9090], 'finance'),
  service('multi', [7000, 7001]),
]);

test('destination host: short name, name.namespace and FQDN resolve relative to the VirtualService namespace', () => {
  for (const host of ['user-service', 'user-service.default', 'user-service.default.svc', 'user-service.default.svc.cluster.local']) {
    assert.equal(destinationKey({ host }, 'default', 8080, services).service, 'user-service.default.svc.cluster.local', host);
  }
  assert.equal(destinationKey({ host: 'billing' }, 'finance', 9090, services).service, 'billing.finance.svc.cluster.local');
  assert.equal(destinationKey({ host: 'billing' }, 'default', 9090, services).service, 'billing.default.svc.cluster.local');
  assert.equal(destinationKey({ host: 'billing.finance' }, 'default', 9090, services).service, 'billing.finance.svc.cluster.local');
});

test('destination port: explicit number, else the incoming port when the service has it, else its only port, else the incoming port', () => {
  assert.equal(destinationKey({ host: 'web', port: { number: 8080 } }, 'default', 80, services).port, 8080);
  assert.equal(destinationKey({ host: 'web' }, 'default', 8080, services).port, 8080);
  assert.equal(destinationKey({ host: 'web' }, 'default', 80, services).port, 80);
  assert.equal(destinationKey({ host: 'user-service' }, 'default', 80, services).port, 8080);
  assert.equal(destinationKey({ host: 'multi' }, 'default', 80, services).port, 80);
  assert.equal(destinationKey({ host: 'nowhere' }, 'default', 81, services).port, 81);
});

test('subset is carried, "" when absent', () => {
  assert.equal(destinationKey({ host: 'web', subset: 'v2' }, 'default', 80, services).subset, 'v2');
  assert.equal(destinationKey({ host: 'web' }, 'default', 80, services).subset, '');
});

test('a lone destination takes weight 100, with or without a weight', () => {
  assert.deepEqual(convertRouteDestinations([{ destination: { host: 'web' } }], 'default', 80, services).map((w) => w.weight), [100]);
  assert.deepEqual(convertRouteDestinations([{ destination: { host: 'web' }, weight: 100 }], 'default', 80, services).map((w) => w.weight), [100]);
});

test('several destinations keep their weights, 0 included', () => {
  const out = convertRouteDestinations(
    [
      { destination: { host: 'web', subset: 'v1' }, weight: 90 },
      { destination: { host: 'web', subset: 'v2' }, weight: 10 },
      { destination: { host: 'web', subset: 'v3' }, weight: 0 },
    ],
    'default',
    80,
    services,
  );
  assert.deepEqual(out.map((w) => [w.key.subset, w.weight]), [['v1', 90], ['v2', 10], ['v3', 0]]);
});

test('several destinations without any weight share equally instead of summing to 0', () => {
  const out = convertRouteDestinations([{ destination: { host: 'web', subset: 'a' } }, { destination: { host: 'web', subset: 'b' } }], 'default', 80, services);
  assert.deepEqual(out.map((w) => w.weight), [1, 1]);
});
