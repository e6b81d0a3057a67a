import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBatch } from '../../analyze.ts';
import { apply, at, destinationRule, NETWORKING_VERSIONS, show, testdata } from '../../test-support.ts';

function check(spec: unknown, extra: Record<string, unknown> = {}) {
  const r = apply([destinationRule(spec, 'order-service', extra)]);
  return { errors: r.errors, warnings: r.warnings };
}

function expectError(spec: unknown, path: string, message: RegExp): void {
  const { errors } = check(spec);
  assert.ok(at(errors, path).some((e) => message.test(e.message)), `expected an error at ${path} matching ${message}, got:\n${show(errors)}`);
}

function expectValid(spec: unknown): void {
  const { errors } = check(spec);
  assert.deepEqual(errors, [], show(errors));
}

const tp = (trafficPolicy: unknown) => ({ host: 'order-service', trafficPolicy });

test('the seed circuit-breaker DestinationRule loads in every apiVersion; connection pool and outlier detection are enforced', () => {
  const cb = testdata('destination-rule', 'seed-circuit-breaker.yaml');
  for (const version of NETWORKING_VERSIONS) {
    const r = validateBatch([{ name: cb.name, text: cb.text.replace('networking.istio.io/v1beta1', version) }], [], 'apply');
    assert.deepEqual(r.errors, [], `${version}:\n${show(r.errors)}`);
    assert.equal(r.resources[0]?.apiVersion, version);
    assert.deepEqual(at(r.warnings, 'spec.trafficPolicy.connectionPool'), []);
    assert.deepEqual(at(r.warnings, 'spec.trafficPolicy.outlierDetection'), []);
    // Istio's own deprecation warning for the seed's consecutiveErrors.
    assert.match(at(r.warnings, 'spec.trafficPolicy.outlierDetection.consecutiveErrors')[0]?.message ?? '', /deprecated/);
  }
});

test('connection pool fields Weft does not act on yet still warn; asking not to upgrade to HTTP/2 does not', () => {
  const r = check(tp({ connectionPool: { tcp: { maxConnections: 5, tcpKeepalive: { time: '10s' } }, http: { h2UpgradePolicy: 'DO_NOT_UPGRADE', maxConcurrentStreams: 4 } } }));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings.map((w) => w.path).sort(), ['spec.trafficPolicy.connectionPool.http.maxConcurrentStreams', 'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive']);
  const upgrade = check(tp({ connectionPool: { http: { h2UpgradePolicy: 'UPGRADE' } } }));
  assert.match(at(upgrade.warnings, 'spec.trafficPolicy.connectionPool.http.h2UpgradePolicy')[0]?.message ?? '', /"UPGRADE" is accepted but not yet enforced/);
  const split = check(tp({ outlierDetection: { splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 3 } }));
  assert.deepEqual(split.warnings.map((w) => w.path).sort(), ['spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures', 'spec.trafficPolicy.outlierDetection.splitExternalLocalOriginErrors']);
  assert.deepEqual(check(tp({ outlierDetection: { splitExternalLocalOriginErrors: false } })).warnings, []);
});

test('host: required and a valid (wildcard) hostname', () => {
  expectError({ host: '' }, 'spec.host', /empty domain name/);
  expectError({ host: 'order service' }, 'spec.host', /invalid/);
  expectValid({ host: '*.example.com' });
  expectValid({ host: 'order-service.shop.svc.cluster.local' });
});

test('subsets: unique DNS-label names, valid labels', () => {
  expectError({ host: 'a', subsets: [{ name: 'v1' }, { name: 'v1' }] }, 'spec.subsets[1].name', /duplicate subset names: v1/);
  expectError({ host: 'a', subsets: [{ name: 'v1.0' }] }, 'spec.subsets[0].name', /subset name is invalid/);
  expectError({ host: 'a', subsets: [{ name: '' }] }, 'spec.subsets[0].name', /cannot be empty/);
  expectError({ host: 'a', subsets: [{ name: 'v1', labels: { 'ver sion': 'v1' } }] }, 'spec.subsets[0].labels["ver sion"]', /invalid label key/);
  expectValid({ host: 'a', subsets: [{ name: 'v1', labels: { version: 'v1', 'app.kubernetes.io/name': 'a' } }, { name: 'V2' }] });
});

test('trafficPolicy: not empty; load balancer choices are exclusive', () => {
  expectError(tp({}), 'spec.trafficPolicy', /at least one field/);
  expectError(tp({ loadBalancer: { simple: 'RANDOM', consistentHash: { useSourceIp: true } } }), 'spec.trafficPolicy.loadBalancer.consistentHash', /only one of simple or consistentHash/);
  expectError(tp({ loadBalancer: { consistentHash: { httpHeaderName: 'x-user', useSourceIp: true } } }), 'spec.trafficPolicy.loadBalancer.consistentHash.useSourceIp', /only one hash key/);
  expectError(tp({ loadBalancer: { consistentHash: {} } }), 'spec.trafficPolicy.loadBalancer.consistentHash', /needs one hash key/);
  expectError(tp({ loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 1000 } } } }), 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize', /prime/);
  expectError(tp({ loadBalancer: { consistentHash: { useSourceIp: true, ringHash: {}, maglev: { tableSize: 65537 } } } }), 'spec.trafficPolicy.loadBalancer.consistentHash.maglev', /only one of ringHash or maglev/);
  expectError(tp({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'us/*', to: { 'us/a/*': 60, 'us/b/*': 30 } }] } } }), 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to', /total locality weight 90 != 100/);
  expectError(tp({ loadBalancer: { warmup: { duration: '10s', aggression: 0.5 } } }), 'spec.trafficPolicy.loadBalancer.warmup.aggression', /greater than or equal to 1/);
  for (const simple of ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'LEAST_CONN', 'PASSTHROUGH', 'UNSPECIFIED']) expectValid(tp({ loadBalancer: { simple } }));
  expectValid(tp({ loadBalancer: { consistentHash: { httpCookie: { name: 'user', ttl: '0s', attributes: [{ name: 'SameSite', value: 'Strict' }] }, ringHash: { minimumRingSize: 1024 } } } }));
});

test('outlier detection: counts ≥ 0, percentages 0..100, durations, local-origin split', () => {
  const od = (outlierDetection: unknown) => tp({ outlierDetection });
  expectError(od({ consecutiveErrors: -1 }), 'spec.trafficPolicy.outlierDetection.consecutiveErrors', /non-negative/);
  expectError(od({ maxEjectionPercent: 150 }), 'spec.trafficPolicy.outlierDetection.maxEjectionPercent', /not in range 0\.\.100/);
  expectError(od({ minHealthPercent: -5 }), 'spec.trafficPolicy.outlierDetection.minHealthPercent', /not in range 0\.\.100/);
  expectError(od({ interval: '30' }), 'spec.trafficPolicy.outlierDetection.interval', /invalid duration/);
  expectError(od({ consecutiveLocalOriginFailures: 3 }), 'spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures', /split external local origin errors/);
  expectValid(od({ consecutive5xxErrors: 5, consecutiveGatewayErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100, minHealthPercent: 0 }));
  // uint32 fields reject negatives at the schema.
  expectError(od({ consecutive5xxErrors: -1 }), 'spec.trafficPolicy.outlierDetection.consecutive5xxErrors', /must be ≥ 0/);
});

test('connection pool: not empty, counts ≥ 0, durations, h2 upgrade conflict', () => {
  const cp = (connectionPool: unknown) => tp({ connectionPool });
  expectError(cp({}), 'spec.trafficPolicy.connectionPool', /at least one field/);
  expectError(cp({ http: { http1MaxPendingRequests: -1 } }), 'spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests', /non-negative/);
  expectError(cp({ tcp: { maxConnections: -2 } }), 'spec.trafficPolicy.connectionPool.tcp.maxConnections', /non-negative/);
  expectError(cp({ tcp: { connectTimeout: '0s' } }), 'spec.trafficPolicy.connectionPool.tcp.connectTimeout', /at least 1ms/);
  expectError(cp({ http: { h2UpgradePolicy: 'UPGRADE', useClientProtocol: true } }), 'spec.trafficPolicy.connectionPool.http.useClientProtocol', /must not be true/);
  expectValid(cp({ tcp: { maxConnections: 100, idleTimeout: '0s', tcpKeepalive: { probes: 3, time: '7200s', interval: '75s' } }, http: { http2MaxRequests: 1000, idleTimeout: '1h' } }));
});

test('tls: mode enum (schema), mutual needs a certificate and key unless credentialName is set', () => {
  expectError(tp({ tls: { mode: 'MUTUAL' } }), 'spec.trafficPolicy.tls.clientCertificate', /client certificate required/);
  expectError(tp({ tls: { mode: 'SIMPLE', credentialName: 'c', caCertificates: '/ca.pem' } }), 'spec.trafficPolicy.tls.credentialName', /cannot specify client certificates/);
  expectError(tp({ tls: { mode: 'SIMPLE', insecureSkipVerify: true, caCertificates: '/ca.pem' } }), 'spec.trafficPolicy.tls.insecureSkipVerify', /cannot specify CaCertificates/);
  const r = apply([destinationRule(tp({ tls: { mode: 'STRICT' } }))]);
  assert.match(at(r.errors, 'spec.trafficPolicy.tls.mode')[0]?.message ?? '', /must be one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL/);
  expectValid(tp({ tls: { mode: 'ISTIO_MUTUAL' } }));
  expectValid(tp({ tls: { mode: 'MUTUAL', clientCertificate: '/c.pem', privateKey: '/k.pem', sni: 'a.example.com' } }));
});

test('port-level settings: a port, at least one setting, validated like the top level', () => {
  expectError(tp({ portLevelSettings: [{ loadBalancer: { simple: 'RANDOM' } }] }), 'spec.trafficPolicy.portLevelSettings[0].port', /must have valid port/);
  expectError(tp({ portLevelSettings: [{ port: { number: 80 } }] }), 'spec.trafficPolicy.portLevelSettings[0]', /at least one field/);
  expectError(tp({ portLevelSettings: [{ port: { number: 80 }, outlierDetection: { maxEjectionPercent: 101 } }] }), 'spec.trafficPolicy.portLevelSettings[0].outlierDetection.maxEjectionPercent', /0\.\.100/);
  expectValid(tp({ portLevelSettings: [{ port: { number: 8080 }, loadBalancer: { simple: 'ROUND_ROBIN' } }] }));
});

test('tunnel, proxy protocol and retry budget', () => {
  expectError(tp({ tunnel: { protocol: 'GET', targetHost: 'a.example.com', targetPort: 443 } }), 'spec.trafficPolicy.tunnel.protocol', /CONNECT" or "POST/);
  expectError(tp({ tunnel: { targetHost: 'a.example.com', targetPort: 0 } }), 'spec.trafficPolicy.tunnel.targetPort', /1\.\.65535/);
  expectError(tp({ tunnel: { targetHost: 'a', targetPort: 1 }, proxyProtocol: { version: 'V2' } }), 'spec.trafficPolicy.proxyProtocol', /must not be set together/);
  expectError(tp({ retryBudget: { percent: 120 } }), 'spec.trafficPolicy.retryBudget.percent', /0\.\.100/);
  expectValid(tp({ tunnel: { protocol: 'CONNECT', targetHost: '10.0.0.1', targetPort: 8443 }, retryBudget: { percent: 20, minRetryConcurrency: 3 } }));
});

test('workloadSelector and exportTo', () => {
  expectError({ host: 'a', workloadSelector: { matchLabels: { app: '*' } } }, 'spec.workloadSelector.matchLabels.app', /wildcard is not supported/);
  expectError({ host: 'a', workloadSelector: { matchLabels: { app: 'x' } }, exportTo: ['*'] }, 'spec.exportTo', /cannot have exportTo beyond current namespace/);
  const empty = check({ host: 'a', workloadSelector: {} });
  assert.deepEqual(empty.errors, []);
  assert.match(at(empty.warnings, 'spec.workloadSelector.matchLabels')[0]?.message ?? '', /without labels/);
  expectValid({ host: 'a', workloadSelector: { matchLabels: { app: 'order-service' } }, exportTo: ['.'] });
});

test('a bad DestinationRule file: each error with its file, line and path', () => {
  const r = validateBatch([testdata('destination-rule', 'bad-subsets-and-outlier.yaml')], [], 'apply');
  assert.equal(r.ok, false);
  assert.deepEqual(r.errors.map((e) => `${e.file}:${e.line} ${e.path}`), [
    'bad-subsets-and-outlier.yaml:10 spec.trafficPolicy.outlierDetection.maxEjectionPercent',
    'bad-subsets-and-outlier.yaml:15 spec.subsets[1].name',
  ], show(r.errors));
  assert.match(r.errors[0]!.message, /percentage 150 is not in range 0\.\.100/);
  assert.match(r.errors[1]!.message, /duplicate subset names: v1/);
});
