// Tests of compile() as a whole: the seed's canary, what each proxy receives, node/inbound, determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONNECTION_POOL } from './convert/connection-pool.ts';
import { DEFAULT_RETRY_POLICY } from './convert/retry.ts';
import { compile } from './index.ts';
import type { CompileInput } from './input.ts';
import { assertWellFormed, input, proxyOf, resourcesFromYaml, SEED_CANARY_YAML, service, workload } from './test-fixtures.ts';

const ORDER = 'order-service.default.svc.cluster.local';

const gateway = workload('api-gateway-1', 'api-gateway', 'v1', { ports: [[8080, 15001]] });
const orderV1a = workload('order-service-v1-a', 'order-service', 'v1', { ports: [[8080, 15011]] });
const orderV1b = workload('order-service-v1-b', 'order-service', 'v1', { ports: [[8080, 15012]] });
const orderV2 = workload('order-service-v2-a', 'order-service', 'v2', { ports: [[8080, 15021]] });
const userV1 = workload('user-service-v1-a', 'user-service', 'v1', { ports: [[8080, 15031]] });

function seedInput(proxy = proxyOf(gateway)): CompileInput {
  return input({
    proxy,
    services: [service('api-gateway', [8080]), service('order-service', [8080]), service('user-service', [8080]), service('payment-service', [8080])],
    workloads: [gateway, orderV1a, orderV1b, orderV2, userV1],
    ...resourcesFromYaml(SEED_CANARY_YAML),
  });
}

test("the seed's canary: user-type beta → v2, everyone else 90/10 v1/v2", () => {
  const out = compile(seedInput());
  assertWellFormed(out);
  const vhost = out.virtualHosts.find((v) => v.name === `${ORDER}:8080`);
  assert.deepEqual(vhost?.routes, [
    {
      name: 'default/order-service#0',
      match: [{ headers: [{ name: 'user-type', match: { kind: 'exact', value: 'beta' }, invert: false }] }],
      action: { clusters: [{ cluster: `outbound|8080|v2|${ORDER}`, weight: 100 }] },
      retry: DEFAULT_RETRY_POLICY,
    },
    {
      name: 'default/order-service#1',
      match: [],
      action: {
        clusters: [
          { cluster: `outbound|8080|v1|${ORDER}`, weight: 90 },
          { cluster: `outbound|8080|v2|${ORDER}`, weight: 10 },
        ],
      },
      retry: DEFAULT_RETRY_POLICY,
    },
  ]);
});

test("the seed's canary: subset clusters hold exactly the endpoints of their version", () => {
  const out = compile(seedInput());
  const endpointsOf = (name: string) => out.clusters.find((c) => c.name === name)?.endpoints.map((e) => e.workload);
  assert.deepEqual(endpointsOf(`outbound|8080||${ORDER}`), ['order-service-v1-a', 'order-service-v1-b', 'order-service-v2-a']);
  assert.deepEqual(endpointsOf(`outbound|8080|v1|${ORDER}`), ['order-service-v1-a', 'order-service-v1-b']);
  assert.deepEqual(endpointsOf(`outbound|8080|v2|${ORDER}`), ['order-service-v2-a']);
  const v2 = out.clusters.find((c) => c.name === `outbound|8080|v2|${ORDER}`);
  assert.deepEqual(v2 && { ...v2, endpoints: undefined }, {
    name: `outbound|8080|v2|${ORDER}`,
    service: ORDER,
    port: 8080,
    subset: 'v2',
    lbPolicy: 'LEAST_REQUEST',
    transport: 'AUTO',
    endpoints: undefined,
    connectionPool: DEFAULT_CONNECTION_POOL,
  });
  assert.deepEqual(v2?.endpoints[0], {
    address: '127.0.0.1',
    port: 15021,
    identity: 'spiffe://cluster.local/ns/default/sa/order-service',
    workload: 'order-service-v2-a',
    labels: { app: 'order-service', version: 'v2' },
  });
});

test('every proxy receives every service, with one default route where no VirtualService applies', () => {
  const out = compile(seedInput());
  assert.deepEqual(out.virtualHosts.map((v) => v.name), [
    'api-gateway.default.svc.cluster.local:8080',
    `${ORDER}:8080`,
    'payment-service.default.svc.cluster.local:8080',
    'user-service.default.svc.cluster.local:8080',
  ]);
  const user = out.virtualHosts.find((v) => v.name.startsWith('user-service'));
  assert.deepEqual(user?.routes, [
    { name: 'default', match: [], action: { clusters: [{ cluster: 'outbound|8080||user-service.default.svc.cluster.local', weight: 100 }] }, retry: DEFAULT_RETRY_POLICY },
  ]);
  // A service with no live workload still has its cluster: the proxy answers 503 UH, not 404 NR.
  assert.deepEqual(out.clusters.find((c) => c.service.startsWith('payment-service'))?.endpoints, []);
});

test('same-namespace proxy gets bare names; another namespace gets name.namespace and longer only', () => {
  const local = compile(seedInput()).virtualHosts.find((v) => v.name === `${ORDER}:8080`)?.domains ?? [];
  assert.ok(local.includes('order-service') && local.includes('order-service:8080'), local.join(' '));
  const shopProxy = proxyOf(workload('shop-1', 'shop', 'v1', { namespace: 'shop' }));
  const remote = compile(seedInput(shopProxy)).virtualHosts.find((v) => v.name === `${ORDER}:8080`)?.domains ?? [];
  assert.ok(!remote.includes('order-service') && !remote.includes('order-service:8080'), remote.join(' '));
  assert.ok(remote.includes('order-service.default') && remote.includes(ORDER) && remote.includes(`${ORDER}:8080`));
  // The routes do not depend on where the caller sits.
  assert.deepEqual(
    compile(seedInput(shopProxy)).virtualHosts.map((v) => v.routes),
    compile(seedInput()).virtualHosts.map((v) => v.routes),
  );
});

test('node, trustDomain and inbound ports come from the proxy and its own registration', () => {
  const multi = workload('api-gateway-1', 'api-gateway', 'v1', { ports: [[9090, 15002], [8080, 15001], [9090, 15003]] });
  const out = compile({ ...input({ proxy: proxyOf(multi), workloads: [multi] }), mesh: { trustDomain: 'example.org', rootNamespace: 'mesh-root' } });
  assert.deepEqual(out.node, proxyOf(multi));
  assert.equal(out.trustDomain, 'example.org');
  assert.deepEqual(out.inbound, { ports: [8080, 9090] });
  assert.deepEqual(compile(input({ proxy: proxyOf(multi) })).inbound, { ports: [] });
  // Same name in another namespace is another workload.
  const elsewhere = workload('api-gateway-1', 'api-gateway', 'v1', { namespace: 'shop' });
  assert.deepEqual(compile(input({ proxy: proxyOf(multi), workloads: [elsewhere] })).inbound, { ports: [] });
});

test('deterministic: compiling twice gives deep-equal output, and so does shuffled input', () => {
  const base = seedInput();
  const first = compile(base);
  assert.deepEqual(compile(base), first);
  const reversed: CompileInput = {
    ...base,
    services: [...base.services].reverse(),
    workloads: [...base.workloads].reverse().map((w) => ({ ...w, labels: Object.fromEntries(Object.entries(w.labels).reverse()) })),
    virtualServices: [...base.virtualServices].reverse(),
    destinationRules: [...base.destinationRules].reverse(),
    proxy: { ...base.proxy, labels: Object.fromEntries(Object.entries(base.proxy.labels).reverse()) },
  };
  const second = compile(reversed);
  assert.deepEqual(second, first);
  // Byte-identical too: the push layer hashes the JSON into the config version.
  assert.equal(JSON.stringify(second), JSON.stringify(first));
});

test('an empty registry compiles to an empty route table; a service without ports to nothing', () => {
  const proxy = proxyOf(gateway);
  const out = compile(input({ proxy, services: [service('idle', [])], ...resourcesFromYaml(SEED_CANARY_YAML) }));
  assertWellFormed(out);
  assert.deepEqual([out.virtualHosts, out.clusters], [[], []]);
});

test('compile does not modify its input', () => {
  const base = seedInput();
  const before = structuredClone(base);
  compile(base);
  assert.deepEqual(base, before);
});
