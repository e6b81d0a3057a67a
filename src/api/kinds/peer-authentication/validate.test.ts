// Tests of the PeerAuthentication kind: the seed's and Istio's examples load; Istio's rules on modes, ports and selectors are errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBatch } from '../../analyze.ts';
import { apply, at, show, testdata } from '../../test-support.ts';

function peerAuthentication(spec: unknown, apiVersion = 'security.istio.io/v1beta1'): Record<string, unknown> {
  return { apiVersion, kind: 'PeerAuthentication', metadata: { name: 'default' }, spec };
}

function expectError(spec: unknown, path: string, message: RegExp): void {
  const r = apply([peerAuthentication(spec)]);
  assert.equal(r.ok, false);
  assert.ok(at(r.errors, path).some((e) => message.test(e.message)), `expected an error at ${path} matching ${message}, got:\n${show(r.errors)}`);
}

test('the seed\'s STRICT policy and Istio\'s workload policy with a port level load with no error and no warning', () => {
  const seed = validateBatch([testdata('peer-authentication', 'seed-mtls-strict.yaml')], [], 'apply');
  assert.deepEqual([seed.errors, seed.warnings], [[], []], show(seed.errors));
  assert.deepEqual(seed.resources[0]?.spec, { mtls: { mode: 'STRICT' } });
  assert.equal(seed.resources[0]?.metadata.namespace, 'default');
  const port = validateBatch([testdata('peer-authentication', 'workload-port-level.yaml')], [], 'apply');
  assert.deepEqual([port.errors, port.warnings], [[], []], show(port.errors));
  assert.deepEqual(port.resources[0]?.spec, { selector: { matchLabels: { app: 'payment-service' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9090: { mode: 'DISABLE' } } });
});

test('both apiVersions and every mode are accepted; an empty spec is valid (UNSET everywhere)', () => {
  for (const v of ['security.istio.io/v1beta1', 'security.istio.io/v1']) {
    for (const mode of ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']) {
      const r = apply([peerAuthentication({ mtls: { mode } }, v)]);
      assert.deepEqual(r.errors, [], `${v} ${mode}: ${show(r.errors)}`);
    }
  }
  assert.deepEqual(apply([peerAuthentication({})]).errors, []);
  const r = apply([peerAuthentication({ mtls: { mode: 'STRICT' } }, 'networking.istio.io/v1')]);
  assert.match(at(r.errors, 'apiVersion')[0]?.message ?? '', /supported: security\.istio\.io\/v1beta1, security\.istio\.io\/v1/);
});

test('Istio\'s rules: portLevelMtls needs a selector, ports are 1..65535, modes are the four, no unknown fields', () => {
  expectError({ portLevelMtls: { 8080: { mode: 'DISABLE' } } }, 'spec.portLevelMtls', /mesh\/namespace-wide PeerAuthentication cannot have portLevelMtls/);
  expectError({ selector: { matchLabels: {} }, portLevelMtls: { 8080: { mode: 'DISABLE' } } }, 'spec.portLevelMtls', /cannot have portLevelMtls/);
  expectError({ selector: { matchLabels: { app: 'a' } }, portLevelMtls: { 0: { mode: 'DISABLE' } } }, 'spec.portLevelMtls.0', /range 1\.\.65535/);
  expectError({ selector: { matchLabels: { app: 'a' } }, portLevelMtls: { 70000: { mode: 'DISABLE' } } }, 'spec.portLevelMtls.70000', /range 1\.\.65535/);
  expectError({ selector: { matchLabels: { app: 'a' } }, portLevelMtls: { http: { mode: 'DISABLE' } } }, 'spec.portLevelMtls.http', /range 1\.\.65535/);
  expectError({ mtls: { mode: 'REQUIRED' } }, 'spec.mtls.mode', /must be one of UNSET, DISABLE, PERMISSIVE, STRICT/);
  expectError({ mtls: { mode: 'STRICT', strict: true } }, 'spec.mtls.strict', /unknown field "strict"/);
  expectError({ selector: { matchLabels: { app: 'a*' } } }, 'spec.selector.matchLabels.app', /wildcard is not supported/);
  expectError({ mode: 'STRICT' }, 'spec.mode', /unknown field "mode"/);
});
