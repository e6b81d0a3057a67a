import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBatch } from './analyze.ts';
import { fieldStatus, unknownRulePatterns } from './field-status.ts';
import { destinationRuleKind } from './kinds/destination-rule/index.ts';
import { KINDS } from './kinds/index.ts';
import { virtualServiceKind } from './kinds/virtual-service/index.ts';
import { apply, at, destinationRule, NETWORKING_VERSIONS, ORDER_SUBSETS, ROUTE_TO_ORDER, show, testdata, virtualService } from './test-support.ts';

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
  for (const p of ['spec.http[].timeout', 'spec.http[].retries.attempts', 'spec.http[].fault.abort.httpStatus', 'spec.http[].mirror.host', 'spec.tcp[].route[].weight', 'spec.exportTo']) {
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
  for (const p of ['spec.trafficPolicy.connectionPool.tcp.maxConnections', 'spec.trafficPolicy.outlierDetection.interval', 'spec.trafficPolicy.tls.mode', 'spec.trafficPolicy.loadBalancer.consistentHash.useSourceIp', 'spec.exportTo']) {
    assert.equal(fieldStatus(destinationRuleKind, p), 'accepted', p);
  }
});

test('the seed\'s retry, circuit-breaker and fault-injection YAML load with "not yet enforced" warnings, in every apiVersion', () => {
  const cases = [
    { file: testdata('virtual-service', 'seed-retry.yaml'), paths: ['spec.http[0].timeout', 'spec.http[0].retries'] },
    { file: testdata('destination-rule', 'seed-circuit-breaker.yaml'), paths: ['spec.trafficPolicy.connectionPool', 'spec.trafficPolicy.outlierDetection'] },
    { file: testdata('virtual-service', 'seed-fault.yaml'), paths: ['spec.http[0].fault'] },
  ];
  for (const { file, paths } of cases) {
    for (const version of NETWORKING_VERSIONS) {
      const r = validateBatch([{ name: file.name, text: file.text.replace('networking.istio.io/v1beta1', version) }], [], 'apply');
      assert.deepEqual(r.errors, [], `${file.name} ${version}:\n${show(r.errors)}`);
      const notEnforced = r.warnings.filter((w) => /accepted but not yet enforced by Weft/.test(w.message));
      assert.deepEqual(notEnforced.map((w) => w.path), paths, `${file.name} ${version}`);
      assert.ok(notEnforced.every((w) => w.file === file.name && w.line > 0 && w.column > 0 && w.resource !== undefined));
    }
  }
  const retry = validateBatch([testdata('virtual-service', 'seed-retry.yaml')], [], 'apply');
  assert.equal(at(retry.warnings, 'spec.http[0].retries')[0]!.line, 13);
  assert.match(at(retry.warnings, 'spec.http[0].retries')[0]!.message, /^retries \(attempts, perTryTimeout, retryOn\) is accepted but not yet enforced/);
});

test('one warning per field pattern per resource, however many routes set it', () => {
  const routes = [1, 2, 3].map((i) => ({ match: [{ uri: { prefix: `/${i}` } }], route: ROUTE_TO_ORDER, timeout: `${i}s` }));
  const r = apply([virtualService({ hosts: ['order-service'], http: routes }), ORDER_SUBSETS]);
  assert.deepEqual(r.errors, []);
  const timeouts = r.warnings.filter((w) => w.path.endsWith('.timeout'));
  assert.equal(timeouts.length, 1, show(r.warnings));
  assert.equal(timeouts[0]!.path, 'spec.http[0].timeout');
  assert.match(timeouts[0]!.message, /set in 2 more places of this resource too/);
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
    trafficPolicy: { portLevelSettings: [{ port: { number: 8080 }, loadBalancer: { simple: 'RANDOM' }, connectionPool: { tcp: { maxConnections: 1 } } }] },
    subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }],
  })]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings.map((w) => w.path), ['spec.trafficPolicy.portLevelSettings[0].connectionPool']);
});
