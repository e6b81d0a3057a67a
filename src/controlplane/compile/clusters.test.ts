// Tests of the clusters: subsets by labels, clusters for unknown subsets and ports, lbPolicy precedence, DestinationRule choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DestinationRule, VirtualService } from '../../api/resource.ts';
import type { NodeInfo } from '../../model/proxy-config.ts';
import { compile } from './index.ts';
import { assertWellFormed, destinationRule, input, proxyOf, service, virtualService, workload } from './test-fixtures.ts';

const REV = 'reviews.default.svc.cluster.local';
const caller = proxyOf(workload('caller-1', 'caller', 'v1'));
const services = [service('reviews', [9080, 9090])];
const workloads = [
  workload('reviews-v1', 'reviews', 'v1', { ports: [[9080, 15001], [9090, 15002]] }),
  workload('reviews-v2', 'reviews', 'v2', { ports: [[9080, 15003], [9090, 15004]] }),
  workload('reviews-v3', 'reviews', 'v3', { labels: { app: 'reviews', version: 'v3', track: 'canary' }, ports: [[9080, 15005]] }),
];

function clustersOf(drs: DestinationRule[], vss: VirtualService[] = [], proxy: NodeInfo = caller) {
  const out = compile(input({ proxy, services, workloads, destinationRules: drs, virtualServices: vss }));
  assertWellFormed(out);
  return new Map(out.clusters.map((c) => [c.name, c]));
}

const subsets = [
  { name: 'v1', labels: { version: 'v1' } },
  { name: 'v2', labels: { version: 'v2' } },
  { name: 'canary', labels: { track: 'canary' } },
];

test('every service port gets its whole cluster plus one per subset; sorted by name', () => {
  const out = compile(input({ proxy: caller, services, workloads, destinationRules: [destinationRule('reviews', { host: 'reviews', subsets })] }));
  // Plain code-point order of the names ("|" sorts after letters, so the whole-service cluster comes last).
  assert.deepEqual(out.clusters.map((c) => c.name), [
    `outbound|9080|canary|${REV}`,
    `outbound|9080|v1|${REV}`,
    `outbound|9080|v2|${REV}`,
    `outbound|9080||${REV}`,
    `outbound|9090|canary|${REV}`,
    `outbound|9090|v1|${REV}`,
    `outbound|9090|v2|${REV}`,
    `outbound|9090||${REV}`,
  ]);
});

test('a subset holds the endpoints whose labels contain all of its labels, on that port', () => {
  const c = clustersOf([destinationRule('reviews', { host: 'reviews', subsets })]);
  const eps = (name: string) => c.get(name)?.endpoints.map((e) => `${e.workload}@${e.port}`);
  assert.deepEqual(eps(`outbound|9080||${REV}`), ['reviews-v1@15001', 'reviews-v2@15003', 'reviews-v3@15005']);
  assert.deepEqual(eps(`outbound|9080|v1|${REV}`), ['reviews-v1@15001']);
  assert.deepEqual(eps(`outbound|9090|v2|${REV}`), ['reviews-v2@15004']);
  assert.deepEqual(eps(`outbound|9080|canary|${REV}`), ['reviews-v3@15005']);
  assert.deepEqual(eps(`outbound|9090|canary|${REV}`), []);
});

test('no DestinationRule: only the whole-service clusters, LEAST_REQUEST, auto mTLS', () => {
  const c = clustersOf([]);
  assert.deepEqual([...c.keys()], [`outbound|9080||${REV}`, `outbound|9090||${REV}`]);
  for (const cl of c.values()) assert.deepEqual([cl.lbPolicy, cl.transport], ['LEAST_REQUEST', 'AUTO']);
});

test('a route to an undefined subset gets an empty cluster, never a dangling name nor the whole service', () => {
  const vs = virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v9' } }] }] });
  const c = clustersOf([destinationRule('reviews', { host: 'reviews', subsets })], [vs]);
  assert.deepEqual(c.get(`outbound|9080|v9|${REV}`)?.endpoints, []);
  assert.deepEqual(c.get(`outbound|9090|v9|${REV}`)?.endpoints, []);
  // Without any DestinationRule the subset is just as unknown.
  assert.deepEqual(clustersOf([], [vs]).get(`outbound|9080|v9|${REV}`)?.endpoints, []);
});

test('a route to a port the service lacks gets an empty cluster', () => {
  const vs = virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', port: { number: 7777 } } }] }] });
  assert.deepEqual(clustersOf([], [vs]).get(`outbound|7777||${REV}`)?.endpoints, []);
});

test('lbPolicy: service level, overridden by subset level, overridden by port level', () => {
  const dr = destinationRule('reviews', {
    host: 'reviews',
    trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, portLevelSettings: [{ port: { number: 9090 }, loadBalancer: { simple: 'RANDOM' } }] },
    subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { simple: 'LEAST_CONN' } } },
      {
        name: 'v3',
        labels: { version: 'v3' },
        trafficPolicy: { portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { simple: 'RANDOM' } }] },
      },
    ],
  });
  const lb = (name: string) => clustersOf([dr]).get(name)?.lbPolicy;
  assert.equal(lb(`outbound|9080||${REV}`), 'ROUND_ROBIN');
  assert.equal(lb(`outbound|9090||${REV}`), 'RANDOM');
  assert.equal(lb(`outbound|9080|v1|${REV}`), 'ROUND_ROBIN');
  assert.equal(lb(`outbound|9090|v1|${REV}`), 'RANDOM');
  assert.equal(lb(`outbound|9080|v2|${REV}`), 'LEAST_REQUEST');
  assert.equal(lb(`outbound|9090|v2|${REV}`), 'LEAST_REQUEST');
  assert.equal(lb(`outbound|9080|v3|${REV}`), 'RANDOM');
  assert.equal(lb(`outbound|9090|v3|${REV}`), 'RANDOM');
});

test("the caller namespace's DestinationRule decides subsets and policy for that caller", () => {
  const owner = destinationRule('reviews', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] });
  const shopRule = destinationRule(
    'reviews',
    { host: 'reviews.default', trafficPolicy: { loadBalancer: { simple: 'RANDOM' } }, subsets: [{ name: 'stable', labels: { version: 'v2' } }] },
    'shop',
  );
  const shopCaller = proxyOf(workload('shop-1', 'shop-app', 'v1', { namespace: 'shop' }));
  const forShop = clustersOf([owner, shopRule], [], shopCaller);
  assert.ok(forShop.has(`outbound|9080|stable|${REV}`) && !forShop.has(`outbound|9080|v1|${REV}`));
  assert.equal(forShop.get(`outbound|9080||${REV}`)?.lbPolicy, 'RANDOM');
  const forDefault = clustersOf([owner, shopRule]);
  assert.ok(forDefault.has(`outbound|9080|v1|${REV}`) && !forDefault.has(`outbound|9080|stable|${REV}`));
});

test('a root-namespace DestinationRule applies mesh-wide when nothing closer does', () => {
  const meshWide = destinationRule('all', { host: '*.svc.cluster.local', trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }, 'istio-system');
  assert.equal(clustersOf([meshWide]).get(`outbound|9080||${REV}`)?.lbPolicy, 'RANDOM');
  const local = destinationRule('reviews', { host: 'reviews' });
  assert.equal(clustersOf([meshWide, local]).get(`outbound|9080||${REV}`)?.lbPolicy, 'LEAST_REQUEST');
});

test('a workloadSelector DestinationRule shapes clusters only for the proxies it selects', () => {
  const selected = destinationRule('for-caller', {
    host: 'reviews',
    workloadSelector: { matchLabels: { app: 'caller' } },
    trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } },
  });
  assert.equal(clustersOf([selected]).get(`outbound|9080||${REV}`)?.lbPolicy, 'ROUND_ROBIN');
  const other = proxyOf(workload('other-1', 'other', 'v1'));
  assert.equal(clustersOf([selected], [], other).get(`outbound|9080||${REV}`)?.lbPolicy, 'LEAST_REQUEST');
});

test('connectionPool and outlierDetection: service level, its port level, subset level, the subset\'s port level, each replacing whole', () => {
  const dr = destinationRule('reviews', {
    host: 'reviews',
    trafficPolicy: {
      connectionPool: { tcp: { maxConnections: 10 }, http: { maxRetries: 3 } },
      outlierDetection: { consecutive5xxErrors: 3 },
      portLevelSettings: [{ port: { number: 9090 }, connectionPool: { http: { http1MaxPendingRequests: 5 } } }],
    },
    subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { outlierDetection: { consecutiveGatewayErrors: 2, interval: '1s' } } },
      {
        name: 'v3',
        labels: { version: 'v3' },
        trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 } }, portLevelSettings: [{ port: { number: 9080 }, outlierDetection: { baseEjectionTime: '5s' } }] },
      },
    ],
  });
  const c = clustersOf([dr]);
  const pool = (name: string) => {
    const p = c.get(name)?.connectionPool;
    return p && [p.maxConnections, p.maxPendingRequests, p.maxRetries];
  };
  const outlier = (name: string) => {
    const o = c.get(name)?.outlierDetection;
    return o && [o.consecutive5xxErrors, o.consecutiveGatewayErrors, o.intervalMs, o.baseEjectionTimeMs];
  };
  const MAX = 4_294_967_295;
  assert.deepEqual(pool(`outbound|9080||${REV}`), [10, MAX, 3]);
  assert.deepEqual(outlier(`outbound|9080||${REV}`), [3, 0, 10_000, 30_000]);
  // The port-level entry replaces every part: its pool only, and no outlier detection (port-level settings do not inherit).
  assert.deepEqual(pool(`outbound|9090||${REV}`), [MAX, 5, MAX]);
  assert.equal(outlier(`outbound|9090||${REV}`), undefined);
  assert.deepEqual(pool(`outbound|9080|v1|${REV}`), [10, MAX, 3]);
  assert.deepEqual(pool(`outbound|9090|v1|${REV}`), [MAX, 5, MAX]);
  // A subset's part replaces the one below it; parts it leaves out come from below.
  assert.deepEqual(outlier(`outbound|9080|v2|${REV}`), [5, 2, 1000, 30_000]);
  assert.deepEqual(pool(`outbound|9080|v2|${REV}`), [10, MAX, 3]);
  assert.deepEqual(outlier(`outbound|9090|v2|${REV}`), [5, 2, 1000, 30_000]);
  assert.deepEqual(pool(`outbound|9090|v2|${REV}`), [MAX, 5, MAX]);
  // The subset's own port level replaces everything on that port.
  assert.deepEqual(outlier(`outbound|9080|v3|${REV}`), [5, 0, 10_000, 5000]);
  assert.deepEqual(pool(`outbound|9080|v3|${REV}`), [MAX, MAX, MAX]);
  // On 9090 the service's port-level entry already dropped outlier detection; v3 brings back only a pool.
  assert.deepEqual(pool(`outbound|9090|v3|${REV}`), [1, MAX, MAX]);
  assert.equal(outlier(`outbound|9090|v3|${REV}`), undefined);
});

test('without a DestinationRule every cluster has Istio\'s default pool and no outlier detection; so do mirror-only and unknown clusters', () => {
  const vs = virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }], mirror: { host: 'shadow' } }] });
  const c = clustersOf([], [vs]);
  assert.ok(c.has(`outbound|9080||shadow.default.svc.cluster.local`), 'the mirror host has its cluster');
  for (const cl of c.values()) {
    assert.equal(cl.connectionPool?.maxConnections, 4_294_967_295, cl.name);
    assert.equal(cl.connectionPool?.connectTimeoutMs, 10_000, cl.name);
    assert.equal(cl.outlierDetection, undefined, cl.name);
  }
  assert.deepEqual(c.get(`outbound|9080||shadow.default.svc.cluster.local`)?.endpoints, []);
});
