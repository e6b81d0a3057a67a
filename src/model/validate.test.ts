// The proxy-side check of the resilience fields: a bad value is a NACK reason naming its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster, ProxyConfig, Route } from './proxy-config.ts';
import { validateProxyConfig } from './validate.ts';

const CLUSTER: Cluster = {
  name: 'outbound|8080||svc',
  service: 'svc.default.svc.cluster.local',
  port: 8080,
  subset: '',
  lbPolicy: 'ROUND_ROBIN',
  transport: 'ISTIO_MUTUAL',
  endpoints: [{ address: '127.0.0.1', port: 15006, identity: 'spiffe://cluster.local/ns/default/sa/svc', workload: 'svc-1', labels: {} }],
  connectionPool: { maxConnections: 100, connectTimeoutMs: 10_000, maxPendingRequests: 50, maxRequests: 2 ** 32 - 1, maxRequestsPerConnection: 2, maxRetries: 2 ** 32 - 1, idleTimeoutMs: 3_600_000 },
  outlierDetection: { consecutive5xxErrors: 5, consecutiveGatewayErrors: 0, intervalMs: 30_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50, minHealthPercent: 0 },
};

const ROUTE: Route = {
  name: 'default',
  match: [],
  action: { clusters: [{ cluster: CLUSTER.name, weight: 100 }] },
  timeoutMs: 3_000,
  retry: { maxRetries: 3, perTryTimeoutMs: 1_000, retryOn: ['5xx', 'reset', 'connect-failure', 'refused-stream'], retriableStatusCodes: [], backoffBaseMs: 25, backoffMaxMs: 250, avoidPreviousHosts: true },
  fault: { delay: { fixedDelayMs: 5_000, percent: 10 }, abort: { httpStatus: 500, percent: 0.1 } },
  mirrors: [{ cluster: CLUSTER.name, percent: 100 }],
};

const LIMIT = { maxTokens: 100, tokensPerFill: 100, fillIntervalMs: 60_000, enabledPercent: 100, enforcedPercent: 100, responseHeaders: [['x-local-rate-limit', 'true']] as [string, string][] };

function config(over: { cluster?: Partial<Cluster> | Record<string, unknown>; route?: Partial<Route> | Record<string, unknown>; top?: Record<string, unknown> } = {}): unknown {
  const cfg: ProxyConfig = {
    version: 'v1',
    trustDomain: 'cluster.local',
    node: { id: 'client.default', workload: 'client', namespace: 'default', service: 'client', serviceAccount: 'client', labels: {} },
    inbound: { ports: [8080], rateLimit: LIMIT },
    outboundRateLimit: LIMIT,
    virtualHosts: [{ name: 'svc:8080', domains: ['svc'], routes: [{ ...ROUTE, ...over.route } as Route] }],
    clusters: [{ ...CLUSTER, ...over.cluster } as Cluster],
  };
  return { ...cfg, ...over.top };
}

test('a config with every resilience field set is valid', () => {
  assert.deepEqual(validateProxyConfig(config()), []);
});

test('connection pool and outlier numbers must be finite, non-negative, percents within 0–100', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ connectionPool: { ...CLUSTER.connectionPool, maxConnections: -1 } }, /connectionPool\.maxConnections: -1 is below 0/],
    [{ connectionPool: { ...CLUSTER.connectionPool, maxPendingRequests: Infinity } }, /maxPendingRequests: not a finite number/],
    [{ connectionPool: { ...CLUSTER.connectionPool, maxRetries: 1.5 } }, /maxRetries: not an integer/],
    [{ connectionPool: { ...CLUSTER.connectionPool, connectTimeoutMs: 0 } }, /connectTimeoutMs: 0 must be above 0/],
    [{ connectionPool: 'big' }, /connectionPool: not an object/],
    [{ outlierDetection: { ...CLUSTER.outlierDetection, maxEjectionPercent: 101 } }, /maxEjectionPercent: 101 is above 100/],
    [{ outlierDetection: { ...CLUSTER.outlierDetection, minHealthPercent: -5 } }, /minHealthPercent: -5 is below 0/],
    [{ outlierDetection: { ...CLUSTER.outlierDetection, intervalMs: Number.NaN } }, /intervalMs: not a finite number/],
  ];
  for (const [cluster, re] of cases) {
    const problems = validateProxyConfig(config({ cluster }));
    assert.equal(problems.length, 1, JSON.stringify(cluster));
    assert.match(problems[0]!, re);
    assert.match(problems[0]!, /^clusters\[0\]\./);
  }
});

test('route timeouts, retries, faults and mirrors are checked, and mirrors name existing clusters', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ timeoutMs: -1 }, /timeoutMs: -1 is below 0/],
    [{ retry: { ...ROUTE.retry, retryOn: ['5xx', 'sometimes'] } }, /retryOn: unknown retry condition sometimes/],
    [{ retry: { ...ROUTE.retry, retriableStatusCodes: [503, 700] } }, /retriableStatusCodes\[1\]: 700 is above 599/],
    [{ retry: { ...ROUTE.retry, backoffMaxMs: 10 } }, /backoffMaxMs: below backoffBaseMs/],
    [{ fault: { abort: { percent: 10 } } }, /fault\.abort: neither httpStatus nor grpcStatus/],
    [{ fault: { delay: { fixedDelayMs: 100, percent: 150 } } }, /delay\.percent: 150 is above 100/],
    [{ mirrors: [{ cluster: 'outbound|9090||nowhere', percent: 100 }] }, /mirrors\[0\]\.cluster: unknown cluster "outbound\|9090\|\|nowhere"/],
  ];
  for (const [route, re] of cases) {
    const problems = validateProxyConfig(config({ route }));
    assert.equal(problems.length, 1, JSON.stringify(route));
    assert.match(problems[0]!, re);
    assert.match(problems[0]!, /^virtualHosts\[0\]\.routes\[0\]\./);
  }
});

test('rate limits: positive bucket, percents, header names and values that cannot split a response', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ outboundRateLimit: { ...LIMIT, maxTokens: 0 } }, /^outboundRateLimit\.maxTokens: 0 is below 1/],
    [{ outboundRateLimit: { ...LIMIT, fillIntervalMs: 0 } }, /^outboundRateLimit\.fillIntervalMs: 0 must be above 0/],
    [{ outboundRateLimit: { ...LIMIT, enforcedPercent: 200 } }, /enforcedPercent: 200 is above 100/],
    [{ inbound: { ports: [], rateLimit: { ...LIMIT, responseHeaders: [['X-Upper', 'v']] } } }, /^inbound\.rateLimit\.responseHeaders\[0\]: invalid lower-case field name/],
    [{ inbound: { ports: [], rateLimit: { ...LIMIT, responseHeaders: [['x-a', 'v\r\nset-cookie: x']] } } }, /CR, LF or NUL/],
    [{ inbound: { ports: [], rateLimit: { ...LIMIT, responseHeaders: [['x-a']] } } }, /not a \[name, value\] pair/],
  ];
  for (const [top, re] of cases) {
    const problems = validateProxyConfig(config({ top }));
    assert.equal(problems.length, 1, JSON.stringify(top));
    assert.match(problems[0]!, re);
  }
});
