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

test('no DestinationRule: only the whole-service clusters, LEAST_REQUEST, ISTIO_MUTUAL', () => {
  const c = clustersOf([]);
  assert.deepEqual([...c.keys()], [`outbound|9080||${REV}`, `outbound|9090||${REV}`]);
  for (const cl of c.values()) assert.deepEqual([cl.lbPolicy, cl.transport], ['LEAST_REQUEST', 'ISTIO_MUTUAL']);
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
