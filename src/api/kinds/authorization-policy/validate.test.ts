// Tests of the AuthorizationPolicy kind: the seed's policy loads in both versions; Istio's validation of sources, operations, conditions and CUSTOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBatch } from '../../analyze.ts';
import { apply, at, show, testdata } from '../../test-support.ts';

function policy(spec: unknown, name = 'policy', apiVersion = 'security.istio.io/v1'): Record<string, unknown> {
  return { apiVersion, kind: 'AuthorizationPolicy', metadata: { name }, spec };
}

function expectError(spec: unknown, path: string, message: RegExp): void {
  const r = apply([policy(spec)]);
  assert.equal(r.ok, false, `expected an error at ${path}`);
  assert.ok(at(r.errors, path).some((e) => message.test(e.message)), `expected an error at ${path} matching ${message}, got:\n${show(r.errors)}`);
}

function expectClean(spec: unknown): void {
  const r = apply([policy(spec)]);
  assert.deepEqual([r.errors, r.warnings], [[], []], show([...r.errors, ...r.warnings]));
}

test('the seed\'s policy (v1beta1) loads with no error and no warning, and so does the same in v1', () => {
  const r = validateBatch([testdata('authorization-policy', 'seed-authorization.yaml')], [], 'apply');
  assert.deepEqual([r.errors, r.warnings], [[], []], show([...r.errors, ...r.warnings]));
  const spec = r.resources[0]?.spec;
  assert.deepEqual(spec, {
    selector: { matchLabels: { app: 'payment-service' } },
    action: 'ALLOW',
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/order-service'] } }], to: [{ operation: { methods: ['POST'], paths: ['/payments/*'] } }] }],
  });
  expectClean(spec);
});

test('the empty forms Istio documents load: spec {} (deny all), rules [{}] (allow all), DENY and AUDIT', () => {
  const r = validateBatch([testdata('authorization-policy', 'deny-all-namespace.yaml')], [], 'apply');
  assert.deepEqual([r.errors, r.warnings], [[], []], show(r.errors));
  expectClean({});
  expectClean({ rules: [{}] });
  expectClean({ action: 'DENY', rules: [{}] });
  expectClean({ action: 'AUDIT', rules: [{ to: [{ operation: { paths: ['/audit*'] } }] }] });
});

test('every source, operation and condition field in every form loads', () => {
  expectClean({
    action: 'DENY',
    rules: [{
      from: [{ source: { principals: ['*'], notPrincipals: ['cluster.local/ns/a/*'], namespaces: ['ns-*'], notNamespaces: ['*-test'], ipBlocks: ['10.0.0.0/8', '127.0.0.1'], notIpBlocks: ['::1'], remoteIpBlocks: ['192.168.0.0/16'], notRemoteIpBlocks: ['fd00::/8'] } }],
      to: [{ operation: { hosts: ['*.example.com'], notHosts: ['admin*'], ports: ['8080'], notPorts: ['9090'], methods: ['GET', 'HEAD'], notMethods: ['DELETE'], paths: ['/api/*', '*.png', '/exact', '*'], notPaths: ['/healthz'] } }],
      when: [
        { key: 'request.headers[x-token]', values: ['secret'], notValues: ['revoked*'] },
        { key: 'source.ip', values: ['127.0.0.0/8'] },
        { key: 'remote.ip', notValues: ['10.1.2.3'] },
        { key: 'source.namespace', values: ['default'] },
        { key: 'source.principal', values: ['cluster.local/ns/default/sa/*'] },
        { key: 'destination.ip', values: ['127.0.0.1'] },
        { key: 'destination.port', values: ['8080', '9090'] },
        { key: 'connection.sni', notValues: ['*.internal'] },
      ],
    }],
  });
});

test('CUSTOM and provider are refused with a clear error; targetRef(s) too', () => {
  const r = validateBatch([testdata('authorization-policy', 'bad-custom-and-keys.yaml')], [], 'apply');
  assert.equal(r.ok, false);
  assert.match(at(r.errors, 'spec.action')[0]?.message ?? '', /action CUSTOM .* is not supported by Weft: use ALLOW, DENY or AUDIT/);
  assert.match(at(r.errors, 'spec.provider')[0]?.message ?? '', /provider is not supported by Weft .*ext_authz/);
  assert.match(at(r.errors, 'spec.rules[0].from[0].source')[0]?.message ?? '', /must not be empty/);
  assert.match(at(r.errors, 'spec.rules[0].to[0].operation.ports[0]')[0]?.message ?? '', /invalid port "http"/);
  assert.match(at(r.errors, 'spec.rules[0].when[0].key')[0]?.message ?? '', /unknown attribute: request\.body/);
  assert.ok(r.errors.every((e) => e.line > 0), show(r.errors));
  expectError({ targetRef: { kind: 'Gateway', name: 'gw' } }, 'spec.targetRef', /targetRef is not supported by Weft .*Gateway or a waypoint/);
  expectError({ targetRefs: [{ kind: 'Service', name: 'svc' }] }, 'spec.targetRefs', /targetRefs is not supported by Weft/);
});

test('sources and operations: not empty, no empty values, valid IPs, ports and paths', () => {
  expectError({ rules: [{ from: [] }] }, 'spec.rules[0].from', /`from` must not be empty/);
  expectError({ rules: [{ to: [] }] }, 'spec.rules[0].to', /`to` must not be empty/);
  expectError({ rules: [{ from: [{}] }] }, 'spec.rules[0].from[0].source', /must be set/);
  expectError({ rules: [{ to: [{}] }] }, 'spec.rules[0].to[0].operation', /must be set/);
  expectError({ rules: [{ to: [{ operation: { paths: [] } }] }] }, 'spec.rules[0].to[0].operation', /must not be empty/);
  expectError({ rules: [{ from: [{ source: { principals: [''] } }] }] }, 'spec.rules[0].from[0].source.principals[0]', /empty value/);
  expectError({ rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/33'] } }] }] }, 'spec.rules[0].from[0].source.ipBlocks[0]', /not a valid CIDR/);
  expectError({ rules: [{ from: [{ source: { notRemoteIpBlocks: ['host'] } }] }] }, 'spec.rules[0].from[0].source.notRemoteIpBlocks[0]', /not a valid IP/);
  expectError({ rules: [{ to: [{ operation: { notPorts: ['70000'] } }] }] }, 'spec.rules[0].to[0].operation.notPorts[0]', /invalid port/);
  expectError({ rules: [{ to: [{ operation: { paths: ['/a/{*}/b'] } }] }] }, 'spec.rules[0].to[0].operation.paths[0]', /path templates/);
  expectError({ rules: [{ to: [{ operation: { verbs: ['GET'] } }] }] }, 'spec.rules[0].to[0].operation.verbs', /unknown field "verbs"/);
  expectError({ action: 'REJECT' }, 'spec.action', /ALLOW, DENY, AUDIT, CUSTOM/);
  expectError({ selector: { matchLabels: { app: 'a*' } } }, 'spec.selector.matchLabels.app', /wildcard/);
});

test('conditions: a key, values or notValues, keys Istio knows, valid values per key', () => {
  expectError({ rules: [{ when: [{ key: '', values: ['x'] }] }] }, 'spec.rules[0].when[0].key', /must not be empty/);
  expectError({ rules: [{ when: [{ key: 'source.ip' }] }] }, 'spec.rules[0].when[0]', /at least one of values or notValues/);
  expectError({ rules: [{ when: [{ key: 'request.headers', values: ['x'] }] }] }, 'spec.rules[0].when[0].key', /request\.headers\[<name>\]/);
  expectError({ rules: [{ when: [{ key: 'request.headers[]', values: ['x'] }] }] }, 'spec.rules[0].when[0].key', /bad key/);
  expectError({ rules: [{ when: [{ key: 'request.auth.claims', values: ['x'] }] }] }, 'spec.rules[0].when[0].key', /request\.auth\.claims\[<claim>\]/);
  expectError({ rules: [{ when: [{ key: 'source.user', values: ['x'] }] }] }, 'spec.rules[0].when[0].key', /unknown attribute: source\.user/);
  expectError({ rules: [{ when: [{ key: 'experimental.envoy.filters.a[b]', values: ['x'] }] }] }, 'spec.rules[0].when[0].key', /not supported by Weft/);
  expectError({ rules: [{ when: [{ key: 'destination.ip', notValues: ['300.1.1.1'] }] }] }, 'spec.rules[0].when[0].notValues[0]', /not a valid IP/);
  expectError({ rules: [{ when: [{ key: 'destination.port', values: ['-1'] }] }] }, 'spec.rules[0].when[0].values[0]', /invalid port/);
});

test('request principals and request.auth load with a warning: without RequestAuthentication they are never present', () => {
  for (const rules of [[{ from: [{ source: { requestPrincipals: ['*'] } }] }], [{ when: [{ key: 'request.auth.claims[iss]', values: ['x'] }] }]]) {
    const r = apply([policy({ action: 'DENY', rules })]);
    assert.deepEqual(r.errors, [], show(r.errors));
    assert.match(at(r.warnings, 'spec.rules')[0]?.message ?? '', /RequestAuthentication.*never match/);
  }
});

test('the kind comes in security.istio.io v1beta1 and v1 only', () => {
  assert.equal(apply([policy({}, 'a', 'security.istio.io/v1beta1')]).ok, true);
  const r = apply([policy({}, 'a', 'security.istio.io/v1alpha1')]);
  assert.match(at(r.errors, 'apiVersion')[0]?.message ?? '', /supported: security\.istio\.io\/v1beta1, security\.istio\.io\/v1/);
});
