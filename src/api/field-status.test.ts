import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldStatus, unknownRulePatterns } from './field-status.ts';
import { destinationRuleKind } from './kinds/destination-rule/index.ts';
import { KINDS } from './kinds/index.ts';
import { virtualServiceKind } from './kinds/virtual-service/index.ts';
import { apply, at, destinationRule, ORDER_SUBSETS, ROUTE_TO_ORDER, show, virtualService } from './test-support.ts';

test('every field rule names a field of its kind', () => {
  for (const def of KINDS) assert.deepEqual(unknownRulePatterns(def), [], def.kind);
});

test('the fields this issue enforces are enforced; the others are accepted or rejected', () => {
  const vsEnforced = [
    'spec.hosts', 'spec.http[].name', 'spec.http[].match[].uri.exact', 'spec.http[].match[].uri.prefix', 'spec.http[].match[].uri.regex',
    'spec.http[].match[].headers.*.exact', 'spec.http[].match[].headers.*.regex', 'spec.http[].match[].method.exact',
    'spec.http[].match[].queryParams.*.prefix', 'spec.http[].match[].authority.exact', 'spec.http[].match[].scheme.exact',
    'spec.http[].match[].ignoreUriCase', 'spec.http[].match[].withoutHeaders.*.exact', 'spec.http[].match[].port', 'spec.http[].match[].name',
    'spec.http[].route[].destination.host', 'spec.http[].route[].destination.subset', 'spec.http[].route[].destination.port.number',
    'spec.http[].route[].weight',
  ];
  for (const p of vsEnforced) assert.equal(fieldStatus(virtualServiceKind, p), 'enforced', p);
  const vsResilience = [
    'spec.http[].timeout', 'spec.http[].retries.attempts', 'spec.http[].retries.perTryTimeout', 'spec.http[].retries.retryOn',
    'spec.http[].retries.retryIgnorePreviousHosts', 'spec.http[].retries.backoff', 'spec.http[].fault.delay.fixedDelay',
    'spec.http[].fault.delay.percentage.value', 'spec.http[].fault.delay.percent', 'spec.http[].fault.abort.httpStatus',
    'spec.http[].fault.abort.percentage.value', 'spec.http[].mirror.host', 'spec.http[].mirror.subset', 'spec.http[].mirror.port.number',
    'spec.http[].mirrors[].destination.host', 'spec.http[].mirrors[].percentage.value', 'spec.http[].mirrorPercentage.value', 'spec.http[].mirrorPercent',
  ];
  for (const p of vsResilience) assert.equal(fieldStatus(virtualServiceKind, p), 'enforced', p);
  for (const p of ['spec.http[].fault.abort.grpcStatus', 'spec.http[].retries.retryRemoteLocalities', 'spec.http[].corsPolicy.maxAge', 'spec.tcp[].route[].weight', 'spec.exportTo']) {
    assert.equal(fieldStatus(virtualServiceKind, p), 'accepted', p);
  }
  assert.equal(fieldStatus(virtualServiceKind, 'spec.http[].fault.delay.exponentialDelay'), 'rejected');
  assert.equal(fieldStatus(virtualServiceKind, 'spec.http[].fault.abort.http2Error'), 'rejected');

  const drEnforced = [
    'spec.host', 'spec.subsets[].name', 'spec.subsets[].labels', 'spec.trafficPolicy.loadBalancer.simple',
    'spec.subsets[].trafficPolicy.loadBalancer.simple', 'spec.trafficPolicy.portLevelSettings[].loadBalancer.simple',
    'spec.subsets[].trafficPolicy.portLevelSettings[].loadBalancer.simple', 'spec.workloadSelector.matchLabels',
  ];
  for (const p of drEnforced) assert.equal(fieldStatus(destinationRuleKind, p), 'enforced', p);
  for (const prefix of ['spec.trafficPolicy', 'spec.trafficPolicy.portLevelSettings[]', 'spec.subsets[].trafficPolicy', 'spec.subsets[].trafficPolicy.portLevelSettings[]']) {
    for (const f of [
      'connectionPool.tcp.maxConnections', 'connectionPool.tcp.connectTimeout', 'connectionPool.tcp.idleTimeout', 'connectionPool.http.http1MaxPendingRequests',
      'connectionPool.http.http2MaxRequests', 'connectionPool.http.maxRequestsPerConnection', 'connectionPool.http.maxRetries', 'connectionPool.http.idleTimeout',
      'outlierDetection.consecutive5xxErrors', 'outlierDetection.consecutiveErrors', 'outlierDetection.consecutiveGatewayErrors', 'outlierDetection.interval',
      'outlierDetection.baseEjectionTime', 'outlierDetection.maxEjectionPercent', 'outlierDetection.minHealthPercent',
    ]) assert.equal(fieldStatus(destinationRuleKind, `${prefix}.${f}`), 'enforced', `${prefix}.${f}`);
  }
  for (const p of [
    'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.time', 'spec.trafficPolicy.connectionPool.tcp.maxConnectionDuration',
    'spec.trafficPolicy.connectionPool.http.maxConcurrentStreams', 'spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures',
    'spec.trafficPolicy.tls.credentialName', 'spec.trafficPolicy.loadBalancer.consistentHash.useSourceIp', 'spec.exportTo',
  ]) {
    assert.equal(fieldStatus(destinationRuleKind, p), 'accepted', p);
  }
});

test('one warning per field pattern per resource, however many routes set it', () => {
  const routes = [1, 2, 3].map((i) => ({ match: [{ uri: { prefix: `/${i}` } }], route: ROUTE_TO_ORDER, rewrite: { uri: `/v${i}` } }));
  const r = apply([virtualService({ hosts: ['order-service'], http: routes }), ORDER_SUBSETS]);
  assert.deepEqual(r.errors, []);
  const rewrites = r.warnings.filter((w) => w.path.endsWith('.rewrite'));
  assert.equal(rewrites.length, 1, show(r.warnings));
  assert.equal(rewrites[0]!.path, 'spec.http[0].rewrite');
  assert.match(rewrites[0]!.message, /set in 2 more places of this resource too/);
});

test('a subtree of accepted fields draws one warning at its top; enforced neighbours draw none', () => {
  const r = apply([virtualService({ hosts: ['order-service'], tcp: [{ match: [{ port: 5432 }], route: ROUTE_TO_ORDER }], http: [{ name: 'main', route: ROUTE_TO_ORDER, headers: { request: { set: { 'x-a': 'b' } } } }] })]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings.map((w) => w.path), ['spec.tcp', 'spec.http[0].headers'], 'sorted by line');
  assert.match(at(r.warnings, 'spec.tcp')[0]!.message, /^tcp \(match, route\) is accepted but not yet enforced/);
});

test('enforced fields with values Weft does not act on yet draw a warning for the value', () => {
  const lb = (simple: string) => apply([destinationRule({ host: 'order-service', trafficPolicy: { loadBalancer: { simple } } })]);
  for (const simple of ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'LEAST_CONN']) assert.deepEqual(lb(simple).warnings, [], simple);
  const passthrough = lb('PASSTHROUGH');
  assert.equal(passthrough.ok, true);
  assert.match(at(passthrough.warnings, 'spec.trafficPolicy.loadBalancer.simple')[0]?.message ?? '', /simple: "PASSTHROUGH" is accepted but not yet enforced by Weft/);

  const gw = (gateways: string[]) => apply([virtualService({ hosts: ['order-service'], gateways, http: [{ route: ROUTE_TO_ORDER }] })]);
  assert.deepEqual(gw(['mesh']).warnings, []);
  assert.match(at(gw(['istio-system/ingress']).warnings, 'spec.gateways')[0]?.message ?? '', /Weft runs no gateways yet/);
});

test('a rejected field is an error, and the whole batch is rejected', () => {
  const r = apply([virtualService({ hosts: ['order-service'], http: [{ route: ROUTE_TO_ORDER, fault: { delay: { exponentialDelay: '1s' } } }] })]);
  assert.equal(r.ok, false);
  assert.deepEqual(r.resources, []);
  assert.match(at(r.errors, 'spec.http[0].fault.delay.exponentialDelay')[0]?.message ?? '', /exponentialDelay is not supported by Weft \(Istio rejects it too/);
});

test('port-level and subset-level load balancers are enforced where they are', () => {
  const r = apply([destinationRule({
    host: 'order-service',
    trafficPolicy: { portLevelSettings: [{ port: { number: 8080 }, loadBalancer: { simple: 'RANDOM' }, tls: { mode: 'SIMPLE', credentialName: 'payments-ca' } }] },
    subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }],
  })]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings.map((w) => w.path), ['spec.trafficPolicy.portLevelSettings[0].tls.credentialName']);
});
