// The seed's resilience YAML (seed/service-mesh.md), kept byte for byte under kinds/*/testdata/: pinned by hash, applied with no "not yet enforced" warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { validateBatch } from './analyze.ts';
import type { FieldIssue } from './field-issue.ts';
import { NETWORKING_VERSIONS, show, testdata } from './test-support.ts';

/**
 * The sha256 of each YAML block of the seed, taken over the text between its "```yaml" line and the
 * closing "```" (the copies hold exactly that text). A copy that drifts from the seed fails here,
 * whether or not the seed file is at hand.
 */
const SEED_COPIES = [
  { section: 'Retry и Timeout', dir: 'virtual-service', file: 'seed-retry.yaml', sha256: '27bcc48eaa4afc46317dc37b21fd65ed22c952b736989d775cd8cb400ed4a001' },
  { section: 'Circuit Breaker', dir: 'destination-rule', file: 'seed-circuit-breaker.yaml', sha256: 'd111a1f324196f10862b3f0f1cbcbe7ddf37658f215160bd119b973a3fdbc9b5' },
  { section: 'Rate Limiting', dir: 'envoy-filter', file: 'seed-rate-limit.yaml', sha256: 'd711380f70f9ee40f7b791a25bc4b53bff074c45002e0ff6e50cd3b994b96fe6' },
  { section: 'Fault Injection', dir: 'virtual-service', file: 'seed-fault.yaml', sha256: '2a18c2040e41dd8a53bfe503a9307c2d6542b93f584a43baeae667c5ab8bb30d' },
  { section: 'Distributed Tracing (Jaeger)', dir: 'istio-operator', file: 'seed-tracing.yaml', sha256: '58441e6c5be614ec69c8a09fbc70b0756edf020e93547f35d9d8756169afd0c6' },
] as const;

const notEnforced = (warnings: readonly FieldIssue[]) => warnings.filter((w) => /not yet enforced/.test(w.message));

for (const copy of SEED_COPIES) {
  test(`the seed's "${copy.section}" YAML is kept byte for byte (${copy.file})`, () => {
    const { text } = testdata(copy.dir, copy.file);
    assert.equal(createHash('sha256').update(text, 'utf8').digest('hex'), copy.sha256);
  });
}

test('the seed\'s retry and fault VirtualServices apply in every apiVersion with no error and no warning', () => {
  for (const file of ['seed-retry.yaml', 'seed-fault.yaml']) {
    const source = testdata('virtual-service', file);
    for (const version of NETWORKING_VERSIONS) {
      const r = validateBatch([{ name: file, text: source.text.replace('networking.istio.io/v1beta1', version) }], [], 'apply');
      assert.deepEqual(r.errors, [], `${file} ${version}:\n${show(r.errors)}`);
      assert.deepEqual(r.warnings, [], `${file} ${version}:\n${show(r.warnings)}`);
      assert.equal(r.resources[0]?.apiVersion, version);
    }
  }
});

test('the seed\'s circuit breaker applies in every apiVersion; its only warning is Istio\'s own about the deprecated consecutiveErrors', () => {
  const source = testdata('destination-rule', 'seed-circuit-breaker.yaml');
  for (const version of NETWORKING_VERSIONS) {
    const r = validateBatch([{ name: source.name, text: source.text.replace('networking.istio.io/v1beta1', version) }], [], 'apply');
    assert.deepEqual(r.errors, [], `${version}:\n${show(r.errors)}`);
    assert.deepEqual(notEnforced(r.warnings), [], show(r.warnings));
    assert.deepEqual(r.warnings.map((w) => w.path), ['spec.trafficPolicy.outlierDetection.consecutiveErrors']);
    assert.match(r.warnings[0]!.message, /deprecated.*Weft reads it as consecutive5xxErrors/);
    assert.equal(r.warnings[0]!.line, 15);
  }
});

test('the seed\'s rate limit EnvoyFilter applies; its only warning says Istio would leave it unenforced', () => {
  const source = testdata('envoy-filter', 'seed-rate-limit.yaml');
  const r = validateBatch([source], [], 'apply');
  assert.deepEqual(r.errors, [], show(r.errors));
  assert.deepEqual(notEnforced(r.warnings), [], show(r.warnings));
  assert.deepEqual(r.warnings.map((w) => w.path), ['spec.configPatches[0].patch.value.typed_config']);
  assert.match(r.warnings[0]!.message, /filter_enabled and filter_enforced are not set: Envoy .* 0%/);
  assert.equal(r.resources[0]?.metadata.namespace, 'default');
});

test('Istio\'s own local rate limit task applies with no error and no warning', () => {
  const r = validateBatch([testdata('envoy-filter', 'istio-task-local-rate-limit.yaml')], [], 'apply');
  assert.deepEqual(r.errors, [], show(r.errors));
  assert.deepEqual(r.warnings, [], show(r.warnings));
});
