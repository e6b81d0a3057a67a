// Tests of the Telemetry kind: Istio's documented shapes load in v1alpha1 and v1; percentages, custom tags, selectors and targets are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apply, at, show } from '../../test-support.ts';

function telemetry(spec: unknown, version = 'v1', name = 'mesh-default'): Record<string, unknown> {
  return { apiVersion: `telemetry.istio.io/${version}`, kind: 'Telemetry', metadata: { name, namespace: 'istio-system' }, spec };
}

function expectError(spec: unknown, path: string, message: RegExp): void {
  const r = apply([telemetry(spec)]);
  assert.equal(r.ok, false);
  assert.ok(at(r.errors, path).some((e) => message.test(e.message)), `expected an error at ${path} matching ${message}, got:\n${show(r.errors)}`);
}

test('Istio\'s tracing, access-log and metrics examples load with no warning, in both versions', () => {
  for (const version of ['v1alpha1', 'v1']) {
    const r = apply([telemetry({
      selector: { matchLabels: { app: 'order-service' } },
      tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: 10, customTags: { team: { literal: { value: 'orders' } }, user: { header: { name: 'x-user', defaultValue: 'anonymous' } } } }],
      accessLogging: [{ providers: [{ name: 'envoy' }] }],
      metrics: [{ providers: [{ name: 'prometheus' }], overrides: [{ match: { metric: 'ALL_METRICS', mode: 'CLIENT_AND_SERVER' }, disabled: true }] }],
    }, version)]);
    assert.deepEqual([r.errors, r.warnings], [[], []], show([...r.errors, ...r.warnings]));
  }
});

test('what Weft does not act on draws a warning (environment custom tags it does); targetRefs are refused', () => {
  const r = apply([telemetry({
    tracing: [{ match: { mode: 'SERVER' }, useRequestIdForTraceSampling: true, customTags: { env: { environment: { name: 'POD_NAME' } } } }],
    metrics: [{ overrides: [{ match: { metric: 'REQUEST_COUNT' }, tagOverrides: { request_protocol: { operation: 'REMOVE' } } }] }],
  })]);
  assert.deepEqual(r.errors, [], show(r.errors));
  const warned = r.warnings.map((w) => w.path).sort();
  assert.deepEqual(warned, ['spec.metrics[0].overrides[0].match.metric', 'spec.metrics[0].overrides[0].tagOverrides', 'spec.tracing[0].match.mode', 'spec.tracing[0].useRequestIdForTraceSampling'], show(r.warnings));
  expectError({ targetRefs: [{ kind: 'Gateway', name: 'gw' }] }, 'spec.targetRefs', /not supported by Weft/);
});

test('percentages, custom tags, providers and selectors are checked', () => {
  expectError({ tracing: [{ randomSamplingPercentage: 100.5 }] }, 'spec.tracing[0].randomSamplingPercentage', /not in range 0\.\.100/);
  expectError({ tracing: [{ customTags: { a: {} } }] }, 'spec.tracing[0].customTags.a', /exactly one of literal, environment, header \(it has 0\)/);
  expectError({ tracing: [{ customTags: { a: { literal: { value: 'x' }, header: { name: 'y' } } } }] }, 'spec.tracing[0].customTags.a', /it has 2/);
  expectError({ tracing: [{ customTags: { a: { header: { name: 'bad header' } } } }] }, 'spec.tracing[0].customTags.a.header.name', /not a valid header name/);
  expectError({ tracing: [{ providers: [{ name: '' }] }] }, 'spec.tracing[0].providers[0].name', /provider name is required/);
  expectError({ accessLogging: [{ disabled: 'yes' }] }, 'spec.accessLogging[0].disabled', /expected true or false/);
  expectError({ selector: { matchLabels: { app: 'a*' } } }, 'spec.selector.matchLabels.app', /wildcard is not supported/);
  expectError({ metrics: [{ reportingInterval: 'soon' }] }, 'spec.metrics[0].reportingInterval', /invalid duration/);
});
