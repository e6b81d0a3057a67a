// `weft get` columns per kind, the services view derived from workloads, and the proxy-status table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../api/resource.ts';
import type { ProxyStatus, WorkloadStatus } from '../controlplane/http-api/types.ts';
import { proxyStatusTable } from './commands/proxy-status.ts';
import { resolveKind } from './kinds.ts';
import { formatTable } from './output.ts';
import { resourceTable, servicesOf, serviceTable, workloadTable } from './tables.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const canaryVs: Resource = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name: 'order-service', namespace: 'default' },
  spec: {
    hosts: ['order-service'],
    http: [
      { match: [{ headers: { 'user-type': { exact: 'beta' } } }], route: [{ destination: { host: 'order-service', subset: 'v2' }, weight: 100 }] },
      { route: [{ destination: { host: 'order-service', subset: 'v1' }, weight: 90 }, { destination: { host: 'order-service', subset: 'v2' }, weight: 10 }] },
    ],
  },
};
const canaryDr: Resource = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'DestinationRule',
  metadata: { name: 'order-service', namespace: 'default' },
  spec: { host: 'order-service', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }], trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } },
};

function workload(name: string, service: string, version: string, ns = 'default'): WorkloadStatus {
  return {
    name, namespace: ns, service, labels: { app: service, version }, serviceAccount: service, address: '127.0.0.1',
    ports: [{ port: 8080, targetPort: 40000 + name.length, protocol: 'http' }], leaseExpiresAt: new Date(NOW + 7000).toISOString(),
  };
}

test('VirtualService: NAME GATEWAYS HOSTS, and the routes with -o wide', () => {
  const opts = { wide: false, allNamespaces: false, now: NOW };
  const t = resourceTable(resolveKind('vs')!, [canaryVs], opts);
  assert.equal(formatTable(t.headers, t.rows), 'NAME            GATEWAYS   HOSTS\norder-service   []         ["order-service"]');
  const w = resourceTable(resolveKind('vs')!, [canaryVs], { ...opts, wide: true, allNamespaces: true });
  assert.deepEqual(w.headers, ['NAMESPACE', 'NAME', 'GATEWAYS', 'HOSTS', 'HTTP ROUTES']);
  assert.equal(w.rows[0]![4], 'order-service:v2=100 | order-service:v1=90,order-service:v2=10');
});

test('DestinationRule: host, subsets and (wide) the load balancer', () => {
  const t = resourceTable(resolveKind('dr')!, [canaryDr], { wide: true, allNamespaces: false, now: NOW });
  assert.deepEqual(t.headers, ['NAME', 'HOST', 'SUBSETS', 'LOAD BALANCER']);
  assert.deepEqual(t.rows, [['order-service', 'order-service', 'v1,v2', 'LEAST_REQUEST']]);
});

test('a kind without its own columns, and a spec of an unexpected shape, still print', () => {
  const odd: Resource = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: null };
  assert.deepEqual(resourceTable(resolveKind('pa')!, [odd], { wide: false, allNamespaces: false, now: NOW }).rows, [['default', 'security.istio.io/v1']]);
  const broken: Resource = { ...canaryVs, spec: { hosts: 'not-a-list', http: [{ route: 7 }] } };
  const t = resourceTable(resolveKind('vs')!, [broken], { wide: true, allNamespaces: false, now: NOW });
  assert.deepEqual(t.rows, [['order-service', '[]', '[]', '']]);
});

test('workloads: version label, ports as service:target, time left on the lease', () => {
  const t = workloadTable([workload('order-service-v2-k7qz', 'order-service', 'v2')], { wide: true, allNamespaces: false, now: NOW });
  assert.deepEqual(t.headers, ['NAME', 'SERVICE', 'VERSION', 'ADDRESS', 'PORTS', 'LEASE', 'SERVICE ACCOUNT', 'LABELS']);
  assert.deepEqual(t.rows[0], ['order-service-v2-k7qz', 'order-service', 'v2', '127.0.0.1', '8080:40021', '7s left', 'order-service', 'app=order-service,version=v2']);
  const expired = workloadTable([{ ...workload('a', 'a', 'v1'), leaseExpiresAt: new Date(NOW - 1).toISOString() }], { wide: false, allNamespaces: false, now: NOW });
  assert.equal(expired.rows[0]![5], 'expired');
});

test('services are the workloads grouped by namespace and service', () => {
  const views = servicesOf([
    workload('user-service-v2-b', 'user-service', 'v2'),
    workload('user-service-v1-a', 'user-service', 'v1'),
    workload('order-service-v1-c', 'order-service', 'v1'),
    workload('user-service-v1-d', 'user-service', 'v1', 'other'),
  ]);
  assert.deepEqual(views.map((v) => [v.namespace, v.name, v.workloads.length, v.versions.join(',')]), [
    ['default', 'order-service', 1, 'v1'],
    ['default', 'user-service', 2, 'v1,v2'],
    ['other', 'user-service', 1, 'v1'],
  ]);
  const t = serviceTable(views, { wide: false, allNamespaces: true, now: NOW });
  assert.deepEqual(t.rows[1], ['default', 'user-service', '8080', '2', 'v1,v2']);
});

test('proxy-status: synced, stale, NACKed with the reason, disconnected', () => {
  const base: ProxyStatus = {
    id: 'x', workload: 'order-service-v1-aaaa', namespace: 'default', service: 'order-service', version: 'v1', connected: true,
    sentVersion: '9a383acfafed12345678', ackedVersion: '9a383acfafed12345678', state: 'SYNCED', lastSeen: new Date(NOW).toISOString(),
  };
  const t = proxyStatusTable([
    { ...base, workload: 'order-service-v2-bbbb', version: 'v2', state: 'NACKED', nackReason: 'route references unknown cluster', sentVersion: 'ffff' },
    base,
    { ...base, workload: 'user-service-v1-cccc', service: 'user-service', state: 'STALE', sentVersion: '1234567890abcdef' },
    { ...base, workload: 'web-dddd', service: 'web', version: '', state: 'DISCONNECTED', connected: false, lastSeen: new Date(NOW - 42_000).toISOString() },
  ], NOW);
  assert.deepEqual(t.headers, ['NAME', 'SERVICE', 'VERSION', 'CONFIG VERSION', 'STATUS', 'CONNECTED']);
  assert.deepEqual(t.rows, [
    ['order-service-v1-aaaa.default', 'order-service', 'v1', '9a383acfafed', 'synced', 'yes'],
    ['order-service-v2-bbbb.default', 'order-service', 'v2', '9a383acfafed', 'NACKed: route references unknown cluster', 'yes'],
    ['user-service-v1-cccc.default', 'user-service', 'v1', '9a383acfafed', 'stale (sent 1234567890ab)', 'yes'],
    ['web-dddd.default', 'web', '-', '9a383acfafed', 'disconnected', 'no (last seen 42s ago)'],
  ]);
});
