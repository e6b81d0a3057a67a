// Tests of VirtualService choice: host resolution, gateway binding, precedence between several.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtualService } from './test-fixtures.ts';
import { indexVirtualServices } from './virtual-services.ts';

const fqdn = 'user-service.default.svc.cluster.local';
const keyOf = (vs: ReturnType<typeof virtualService> | undefined) => vs && `${vs.metadata.namespace}/${vs.metadata.name}`;

test('hosts resolve relative to the VirtualService namespace: short, name.namespace, FQDN', () => {
  for (const [host, ns] of [['user-service', 'default'], ['user-service.default', 'shop'], ['user-service.default.svc.cluster.local', 'shop'], ['USER-SERVICE', 'default']] as const) {
    const lookup = indexVirtualServices([virtualService('v', { hosts: [host] }, ns)], 'default');
    assert.equal(keyOf(lookup(fqdn, 'default')), `${ns}/v`, `${host} in ${ns}`);
  }
  const shortElsewhere = indexVirtualServices([virtualService('v', { hosts: ['user-service'] }, 'shop')], 'default');
  assert.equal(shortElsewhere(fqdn, 'default'), undefined);
});

test('gateways without "mesh" keep a VirtualService off sidecars; absent, empty or with mesh it applies', () => {
  const lookup = (gateways: string[] | undefined) =>
    indexVirtualServices([virtualService('v', gateways === undefined ? { hosts: ['user-service'] } : { hosts: ['user-service'], gateways })], 'default')(fqdn, 'default');
  assert.equal(lookup(['istio-system/ingress']), undefined);
  assert.ok(lookup(undefined));
  assert.ok(lookup([]));
  assert.ok(lookup(['istio-system/ingress', 'mesh']));
});

test("several VirtualServices for a host: the proxy's namespace wins, then the service's, then namespace/name", () => {
  const inProxyNs = virtualService('z', { hosts: ['user-service.default'] }, 'shop');
  const inServiceNs = virtualService('y', { hosts: ['user-service'] }, 'default');
  const other1 = virtualService('b', { hosts: ['user-service.default'] }, 'aaa');
  const other2 = virtualService('a', { hosts: ['user-service.default'] }, 'aaa');
  const all = [other1, inServiceNs, inProxyNs, other2];
  assert.equal(keyOf(indexVirtualServices(all, 'shop')(fqdn, 'default')), 'shop/z');
  assert.equal(keyOf(indexVirtualServices(all, 'default')(fqdn, 'default')), 'default/y');
  assert.equal(keyOf(indexVirtualServices([other1, other2], 'default')(fqdn, 'default')), 'aaa/a');
  assert.equal(keyOf(indexVirtualServices([other1, other2].reverse(), 'default')(fqdn, 'default')), 'aaa/a');
});

test('an exact host beats a wildcard one, even from the proxy namespace', () => {
  const wild = virtualService('wild', { hosts: ['*.default.svc.cluster.local'] }, 'shop');
  const exact = virtualService('exact', { hosts: ['user-service'] }, 'default');
  assert.equal(keyOf(indexVirtualServices([wild, exact], 'shop')(fqdn, 'default')), 'default/exact');
  assert.equal(keyOf(indexVirtualServices([wild], 'shop')(fqdn, 'default')), 'shop/wild');
  assert.equal(indexVirtualServices([wild], 'shop')('user-service.other.svc.cluster.local', 'other'), undefined);
});
