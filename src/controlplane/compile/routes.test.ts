// Tests of the route table: route order and precedence, match.port, left-out actions, route names, VirtualService choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VirtualServiceSpec } from '../../api/kinds/virtual-service/types.ts';
import type { VirtualService } from '../../api/resource.ts';
import { compile } from './index.ts';
import { assertWellFormed, input, proxyOf, service, virtualService, workload } from './test-fixtures.ts';

const WEB = 'web.default.svc.cluster.local';
const caller = proxyOf(workload('caller-1', 'caller', 'v1'));
const services = [service('web', [80, 9090]), service('api', [8080]), service('caller', [8080])];

function routesOf(vss: VirtualService[], vhost = `${WEB}:80`, proxy = caller) {
  const out = compile(input({ proxy, services, virtualServices: vss }));
  assertWellFormed(out);
  const v = out.virtualHosts.find((h) => h.name === vhost);
  assert.ok(v, `no virtual host ${vhost}`);
  return { routes: v.routes, clusters: out.clusters };
}
const names = (vss: VirtualService[], vhost?: string, proxy = caller) => routesOf(vss, vhost, proxy).routes.map((r) => r.name);
const web = (spec: Omit<VirtualServiceSpec, 'hosts'>, name = 'web', ns = 'default') => virtualService(name, { hosts: ['web'], ...spec }, ns);

test('routes keep the VirtualService order, so the first match wins', () => {
  const vs = web({
    http: [
      { match: [{ uri: { exact: '/special' } }], route: [{ destination: { host: 'web', subset: 'special' } }] },
      { match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'web', subset: 'v1' } }] },
      { route: [{ destination: { host: 'web', subset: 'v2' } }] },
    ],
  });
  const { routes } = routesOf([vs]);
  assert.deepEqual(routes.map((r) => r.name), ['default/web#0', 'default/web#1', 'default/web#2']);
  assert.deepEqual(routes.map((r) => r.action.clusters[0]?.cluster), [`outbound|80|special|${WEB}`, `outbound|80|v1|${WEB}`, `outbound|80|v2|${WEB}`]);
});

test('OR across match blocks stays one route with several matches', () => {
  const vs = web({ http: [{ match: [{ uri: { prefix: '/a' } }, { headers: { 'x-b': { exact: '1' } } }], route: [{ destination: { host: 'web' } }] }] });
  assert.equal(routesOf([vs]).routes[0]?.match.length, 2);
});

test('match.port puts a route only in the virtual host of that port', () => {
  const vs = web({
    http: [
      { match: [{ port: 9090 }], route: [{ destination: { host: 'web', subset: 'admin' } }] },
      { route: [{ destination: { host: 'web' } }] },
    ],
  });
  assert.deepEqual(names([vs], `${WEB}:80`), ['default/web#1']);
  assert.deepEqual(names([vs], `${WEB}:9090`), ['default/web#0', 'default/web#1']);
  // The default destination port is the one the request came in on.
  assert.equal(routesOf([vs], `${WEB}:9090`).routes[1]?.action.clusters[0]?.cluster, `outbound|9090||${WEB}`);
});

test('redirect, directResponse and delegate routes are not compiled yet; requests fall through to the next route', () => {
  const vs = web({
    http: [
      { match: [{ uri: { prefix: '/old' } }], redirect: { uri: '/new' } },
      { match: [{ uri: { prefix: '/gone' } }], directResponse: { status: 410 } },
      { delegate: { name: 'other' } },
      { route: [{ destination: { host: 'web' } }] },
    ],
  });
  assert.deepEqual(names([vs]), ['default/web#3']);
});

test('a VirtualService with no applicable http route leaves the default route', () => {
  const tcpOnly = web({ tcp: [{ route: [{ destination: { host: 'web' } }] }] });
  assert.deepEqual(names([tcpOnly]), ['default']);
  const otherPortOnly = web({ http: [{ match: [{ port: 9090 }], route: [{ destination: { host: 'web' } }] }] });
  assert.deepEqual(names([otherPortOnly]), ['default']);
  const redirectOnly = web({ http: [{ redirect: { uri: '/x' } }] });
  assert.deepEqual(names([redirectOnly]), ['default']);
});

test('a route whose blocks all name other sources is left out for this proxy only', () => {
  const vs = web({
    http: [
      { match: [{ sourceLabels: { app: 'caller' } }], route: [{ destination: { host: 'web', subset: 'for-caller' } }] },
      { route: [{ destination: { host: 'web' } }] },
    ],
  });
  assert.deepEqual(names([vs]), ['default/web#0', 'default/web#1']);
  const stranger = proxyOf(workload('stranger-1', 'stranger', 'v1'));
  assert.deepEqual(names([vs], `${WEB}:80`, stranger), ['default/web#1']);
});

test('http[].name names the route; repeats stay unique', () => {
  const vs = web({
    http: [
      { name: 'canary', match: [{ uri: { prefix: '/a' } }], route: [{ destination: { host: 'web' } }] },
      { name: 'canary', match: [{ uri: { prefix: '/b' } }], route: [{ destination: { host: 'web' } }] },
      { route: [{ destination: { host: 'web' } }] },
    ],
  });
  assert.deepEqual(names([vs]), ['canary', 'canary#1', 'default/web#2']);
});

test('a VirtualService bound only to a gateway does not program sidecars', () => {
  const vs = web({ gateways: ['istio-system/ingress'], http: [{ route: [{ destination: { host: 'web', subset: 'x' } }] }] });
  assert.deepEqual(names([vs]), ['default']);
});

test("a VirtualService in the caller's namespace overrides the service owner's for that caller only", () => {
  const owner = web({ http: [{ route: [{ destination: { host: 'web', subset: 'v1' } }] }] }, 'owner');
  const shopOverride = virtualService('override', { hosts: ['web.default'], http: [{ route: [{ destination: { host: 'web.default', subset: 'v2' } }] }] }, 'shop');
  const shopCaller = proxyOf(workload('shop-1', 'shop-app', 'v1', { namespace: 'shop' }));
  assert.deepEqual(names([owner, shopOverride], `${WEB}:80`, shopCaller), ['shop/override#0']);
  assert.deepEqual(names([owner, shopOverride]), ['default/owner#0']);
});

test('destinations resolve relative to the VirtualService namespace, and every named cluster exists', () => {
  const vs = virtualService(
    'web',
    {
      hosts: ['web.default'],
      http: [
        {
          route: [
            { destination: { host: 'web.default', subset: 'v1' }, weight: 50 },
            { destination: { host: 'api' }, weight: 30 },
            { destination: { host: 'api.default', port: { number: 8080 } }, weight: 20 },
          ],
        },
      ],
    },
    'shop',
  );
  const { routes, clusters } = routesOf([vs]);
  assert.deepEqual(routes[0]?.action.clusters, [
    { cluster: `outbound|80|v1|${WEB}`, weight: 50 },
    // "api" in namespace shop is api.shop, which is not registered: its cluster exists, empty.
    { cluster: 'outbound|80||api.shop.svc.cluster.local', weight: 30 },
    { cluster: 'outbound|8080||api.default.svc.cluster.local', weight: 20 },
  ]);
  const byName = new Map(clusters.map((c) => [c.name, c]));
  for (const v of compile(input({ proxy: caller, services, virtualServices: [vs] })).virtualHosts) {
    for (const r of v.routes) for (const w of r.action.clusters) assert.ok(byName.has(w.cluster), w.cluster);
  }
  assert.deepEqual(byName.get('outbound|80||api.shop.svc.cluster.local')?.endpoints, []);
});

test('a wildcard VirtualService host routes every service under it', () => {
  const vs = virtualService('all', { hosts: ['*.default.svc.cluster.local'], http: [{ route: [{ destination: { host: 'web' } }] }] });
  const out = compile(input({ proxy: caller, services, virtualServices: [vs] }));
  assert.deepEqual(out.virtualHosts.map((v) => v.routes[0]?.name), ['default/all#0', 'default/all#0', 'default/all#0', 'default/all#0']);
});

test('a route carries its timeout, retry policy, fault and mirrors; a fault does not remove the timeout or retries (as in Istio)', () => {
  const vs = web({
    http: [{
      route: [{ destination: { host: 'web' } }],
      timeout: '3s',
      retries: { attempts: 3, perTryTimeout: '1s', retryOn: '5xx' },
      fault: { abort: { httpStatus: 503, percentage: { value: 5 } } },
      mirrors: [{ destination: { host: 'api' }, percentage: { value: 50 } }],
    }],
  });
  const { routes, clusters } = routesOf([vs]);
  const r = routes[0]!;
  assert.equal(r.timeoutMs, 3000);
  assert.deepEqual([r.retry?.maxRetries, r.retry?.perTryTimeoutMs, r.retry?.retryOn], [3, 1000, ['5xx']]);
  assert.deepEqual(r.fault, { abort: { httpStatus: 503, percent: 5 } });
  // The mirror resolves like a destination: api's only port, since api lacks port 80.
  assert.deepEqual(r.mirrors, [{ cluster: 'outbound|8080||api.default.svc.cluster.local', percent: 50 }]);
  assert.ok(clusters.some((c) => c.name === 'outbound|8080||api.default.svc.cluster.local'));
});

test('routes without retries get Istio\'s default policy; the default route too; attempts 0 removes it', () => {
  const vs = web({ http: [{ match: [{ uri: { prefix: '/a' } }], route: [{ destination: { host: 'web' } }] }, { route: [{ destination: { host: 'web' } }], retries: { attempts: 0 } }] });
  const { routes } = routesOf([vs]);
  assert.deepEqual(routes.map((r) => r.retry?.maxRetries), [2, undefined]);
  assert.deepEqual(routes.map((r) => r.timeoutMs), [undefined, undefined]);
  const fallback = routesOf([]).routes;
  assert.deepEqual(fallback.map((r) => [r.name, r.retry?.maxRetries, r.retry?.retriableStatusCodes]), [['default', 2, [503]]]);
});

test('a mirror to an unknown host gets an empty cluster, so the mirror never names a missing cluster', () => {
  const vs = web({ http: [{ route: [{ destination: { host: 'web' } }], mirror: { host: 'nowhere', subset: 'x' } }] });
  const { routes, clusters } = routesOf([vs]);
  assert.deepEqual(routes[0]?.mirrors, [{ cluster: 'outbound|80|x|nowhere.default.svc.cluster.local', percent: 100 }]);
  assert.deepEqual(clusters.find((c) => c.name === 'outbound|80|x|nowhere.default.svc.cluster.local')?.endpoints, []);
});
