// Tests of endpoint building: which workloads back a service port, identity, subset narrowing, order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexEndpoints } from './endpoints.ts';
import { workload } from './test-fixtures.ts';

const us = { name: 'user-service', namespace: 'default' };

test('a workload backs the service it names in its own namespace, one endpoint per matching port entry', () => {
  const lookup = indexEndpoints(
    [
      workload('user-v1', 'user-service', 'v1', { address: '127.0.0.1', ports: [[8080, 15001], [9090, 15002]] }),
      workload('user-other-ns', 'user-service', 'v1', { namespace: 'shop' }),
      workload('orders', 'order-service', 'v1'),
    ],
    'cluster.local',
  );
  assert.deepEqual(lookup(us, 8080, undefined), [
    {
      address: '127.0.0.1',
      port: 15001,
      identity: 'spiffe://cluster.local/ns/default/sa/user-service',
      workload: 'user-v1',
      labels: { app: 'user-service', version: 'v1' },
    },
  ]);
  assert.deepEqual(lookup(us, 9090, undefined).map((e) => e.port), [15002]);
  assert.deepEqual(lookup(us, 7000, undefined), []);
  assert.deepEqual(lookup({ name: 'user-service', namespace: 'shop' }, 8080, undefined).map((e) => e.workload), ['user-other-ns']);
});

test('identity uses the trust domain, the workload namespace and its service account', () => {
  const lookup = indexEndpoints([workload('u', 'user-service', 'v1', { serviceAccount: 'users-sa' })], 'example.org');
  assert.equal(lookup(us, 8080, undefined)[0]?.identity, 'spiffe://example.org/ns/default/sa/users-sa');
});

test('subset labels narrow to workloads carrying all of them', () => {
  const lookup = indexEndpoints(
    [
      workload('u1', 'user-service', 'v1'),
      workload('u2', 'user-service', 'v2'),
      workload('u2c', 'user-service', 'v2', { labels: { app: 'user-service', version: 'v2', track: 'canary' } }),
    ],
    'cluster.local',
  );
  assert.deepEqual(lookup(us, 8080, { version: 'v2' }).map((e) => e.workload), ['u2', 'u2c']);
  assert.deepEqual(lookup(us, 8080, { version: 'v2', track: 'canary' }).map((e) => e.workload), ['u2c']);
  assert.deepEqual(lookup(us, 8080, { version: 'v3' }), []);
  assert.equal(lookup(us, 8080, {}).length, 3);
});

test('endpoints are sorted by address, then port, then workload', () => {
  const lookup = indexEndpoints(
    [
      workload('c', 'user-service', 'v1', { address: '127.0.0.2', ports: [[8080, 10]] }),
      workload('b', 'user-service', 'v1', { address: '127.0.0.1', ports: [[8080, 30]] }),
      workload('a', 'user-service', 'v1', { address: '127.0.0.1', ports: [[8080, 20]] }),
    ],
    'cluster.local',
  );
  assert.deepEqual(lookup(us, 8080, undefined).map((e) => `${e.address}:${e.port}`), ['127.0.0.1:20', '127.0.0.1:30', '127.0.0.2:10']);
});

test('endpoint labels come out with sorted keys', () => {
  const lookup = indexEndpoints([workload('u', 'user-service', undefined, { labels: { version: 'v1', app: 'user-service' } })], 'cluster.local');
  assert.deepEqual(Object.keys(lookup(us, 8080, undefined)[0]!.labels), ['app', 'version']);
});
