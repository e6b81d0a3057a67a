// Tests of virtual host domains: which spellings each proxy gets, port-less ownership, uniqueness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtualHostDomains } from './domains.ts';
import { indexServices } from './services.ts';
import { service } from './test-fixtures.ts';

test('same-namespace proxy: every spelling with and without the port, bare name included', () => {
  const d = virtualHostDomains(indexServices([service('user-service', [80])]), 'default');
  assert.deepEqual(d.get('user-service.default.svc.cluster.local:80'), [
    'user-service',
    'user-service.default',
    'user-service.default.svc',
    'user-service.default.svc.cluster.local',
    'user-service.default.svc.cluster.local:80',
    'user-service.default.svc:80',
    'user-service.default:80',
    'user-service:80',
  ]);
});

test('other-namespace proxy: no bare name', () => {
  const d = virtualHostDomains(indexServices([service('user-service', [80])]), 'shop');
  const domains = d.get('user-service.default.svc.cluster.local:80') ?? [];
  assert.ok(!domains.includes('user-service') && !domains.includes('user-service:80'));
  assert.ok(domains.includes('user-service.default') && domains.includes('user-service.default:80'));
});

test('a lone port other than 80 takes the port-less spellings too (Weft leniency)', () => {
  const d = virtualHostDomains(indexServices([service('user-service', [8080])]), 'default');
  const domains = d.get('user-service.default.svc.cluster.local:8080') ?? [];
  assert.ok(domains.includes('user-service') && domains.includes('user-service:8080'));
  assert.ok(!domains.some((x) => x.endsWith(':80')));
});

test('with port 80 among several, port 80 owns the port-less spellings', () => {
  const d = virtualHostDomains(indexServices([service('web', [8080, 80])]), 'default');
  assert.ok(d.get('web.default.svc.cluster.local:80')?.includes('web'));
  assert.ok(!d.get('web.default.svc.cluster.local:8080')?.includes('web'));
  assert.ok(d.get('web.default.svc.cluster.local:8080')?.includes('web:8080'));
});

test('several ports without 80: nobody gets the port-less spellings', () => {
  const d = virtualHostDomains(indexServices([service('grpc', [9090, 9091])]), 'default');
  for (const domains of d.values()) assert.ok(domains.every((x) => x.includes(':')), domains.join(','));
});

test('domains are lower-case and unique across the whole config', () => {
  const d = virtualHostDomains(
    indexServices([service('Users', [80]), service('users', [80], 'shop'), service('orders', [8080]), service('orders', [8080], 'shop')]),
    'shop',
  );
  const all = [...d.values()].flat();
  assert.equal(new Set(all).size, all.length);
  assert.ok(all.every((x) => x === x.toLowerCase()));
  assert.ok(d.get('users.shop.svc.cluster.local:80')?.includes('users'));
});

test('two records of one service are one service: merged ports, no duplicate domains', () => {
  const services = indexServices([service('web', [80]), service('web', [8080, 80])]);
  assert.deepEqual(services.all.map((s) => [s.fqdn, s.ports]), [['web.default.svc.cluster.local', [80, 8080]]]);
  const all = [...virtualHostDomains(services, 'default').values()].flat();
  assert.equal(new Set(all).size, all.length);
  assert.ok(all.includes('web'));
});
