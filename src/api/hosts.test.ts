import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveHost, parseServiceFqdn } from './hosts.ts';

test('short, name.namespace, .svc and FQDN spellings resolve to one FQDN', () => {
  for (const h of ['user-service', 'user-service.default', 'user-service.default.svc', 'user-service.default.svc.cluster.local', 'User-Service']) {
    assert.equal(resolveHost(h, 'default'), 'user-service.default.svc.cluster.local', h);
  }
  assert.equal(resolveHost('user-service', 'shop'), 'user-service.shop.svc.cluster.local');
  assert.equal(resolveHost('example.com.au', 'default'), 'example.com.au');
  assert.equal(resolveHost('*.example.com', 'default'), '*.example.com');
});

test('parses service FQDNs', () => {
  assert.deepEqual(parseServiceFqdn('user-service.default.svc.cluster.local'), { name: 'user-service', namespace: 'default' });
  assert.equal(parseServiceFqdn('example.com'), null);
});
