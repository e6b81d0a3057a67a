// Tests of the IstioOperator kind: the seed's block loads verbatim (no metadata), meshConfig's observability fields are checked, the rest warns, one per mesh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBatch } from '../../analyze.ts';
import { apply, at, show, testdata } from '../../test-support.ts';

function operator(meshConfig: unknown, extra: Record<string, unknown> = {}, name?: string): Record<string, unknown> {
  return { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', ...(name === undefined ? {} : { metadata: { name, namespace: 'istio-system' } }), spec: { meshConfig, ...extra } };
}

function expectError(meshConfig: unknown, path: string, message: RegExp): void {
  const r = apply([operator(meshConfig)]);
  assert.equal(r.ok, false);
  assert.ok(at(r.errors, path).some((e) => message.test(e.message)), `expected an error at ${path} matching ${message}, got:\n${show(r.errors)}`);
}

test('the seed\'s IstioOperator loads verbatim, without metadata, with no warning: every field it sets is enforced', () => {
  const r = validateBatch([testdata('istio-operator', 'seed-tracing.yaml')], [], 'apply');
  assert.deepEqual(r.errors, [], show(r.errors));
  assert.deepEqual(r.warnings, [], show(r.warnings));
  assert.equal(r.resources[0]?.metadata.name, 'default');
  assert.deepEqual(r.resources[0]?.spec, { meshConfig: { enableTracing: true, defaultConfig: { tracing: { sampling: 100, zipkin: { address: 'jaeger-collector.istio-system:9411' } } } } });
});

test('providers, default providers and access log fields load; installation fields are accepted with a warning', () => {
  const r = apply([operator({
    accessLogFile: '/dev/stdout', accessLogEncoding: 'TEXT', accessLogFormat: '[%START_TIME%] %REQ(:METHOD)%\n',
    extensionProviders: [
      { name: 'otel', opentelemetry: { service: 'otel-collector.observability', port: 4318, http: { path: '/v1/traces' } } },
      { name: 'zipkin', zipkin: { service: 'zipkin.istio-system', port: 9411 } },
      { name: 'file', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { text: '%REQ(:PATH)%\n' } } },
    ],
    defaultProviders: { tracing: ['otel'], accessLogging: ['file'], metrics: ['prometheus'] },
    outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
  }, { profile: 'demo', components: { pilot: { enabled: true } } }, 'mesh')]);
  assert.deepEqual(r.errors, [], show(r.errors));
  const paths = r.warnings.map((w) => w.path).sort();
  assert.deepEqual(paths, ['spec.components', 'spec.meshConfig.defaultProviders.metrics', 'spec.meshConfig.outboundTrafficPolicy', 'spec.profile'], show(r.warnings));
});

test('sampling, collector address, providers and references are checked', () => {
  expectError({ defaultConfig: { tracing: { sampling: 101 } } }, 'spec.meshConfig.defaultConfig.tracing.sampling', /not in range 0\.\.100/);
  expectError({ defaultConfig: { tracing: { zipkin: { address: 'jaeger' } } } }, 'spec.meshConfig.defaultConfig.tracing.zipkin.address', /is not "host:port"/);
  expectError({ extensionProviders: [{ name: 'a', zipkin: { service: 'z', port: 9411 } }, { name: 'a', zipkin: { service: 'z', port: 9411 } }] }, 'spec.meshConfig.extensionProviders[1].name', /defined twice/);
  expectError({ extensionProviders: [{ name: 'b' }] }, 'spec.meshConfig.extensionProviders[0]', /exactly one provider kind.*none/);
  expectError({ defaultProviders: { tracing: ['nope'] } }, 'spec.meshConfig.defaultProviders.tracing[0]', /not defined in meshConfig\.extensionProviders/);
  expectError({ accessLogEncoding: 'YAML' }, 'spec.meshConfig.accessLogEncoding', /TEXT, JSON/);
  const otel = (http: unknown): unknown => ({ extensionProviders: [{ name: 'otel', opentelemetry: { service: 'c', port: 4318, http } }] });
  expectError(otel({ headers: [{ name: 'x-token' }] }), 'spec.meshConfig.extensionProviders[0].opentelemetry.http.headers[0]', /exactly one of value, envName/);
  expectError(otel({ headers: [{ name: 'x-token', value: 'a', envName: 'TOKEN' }] }), 'spec.meshConfig.extensionProviders[0].opentelemetry.http.headers[0]', /exactly one of value, envName/);
  expectError(otel({ headers: [{ name: 'bad name', value: 'a' }] }), 'spec.meshConfig.extensionProviders[0].opentelemetry.http.headers[0].name', /./);
  expectError(otel({ headers: [{ name: 'x-token', value: 'a\r\nx-evil: 1' }] }), 'spec.meshConfig.extensionProviders[0].opentelemetry.http.headers[0].value', /control character \(such as a line break\)/);
  expectError(otel({ headers: [{ name: 'x-token', value: 'caf\u0100' }] }), 'spec.meshConfig.extensionProviders[0].opentelemetry.http.headers[0].value', /above U\+00FF/);
  expectError({ defaultConfig: { tracing: { customTags: { r: { environment: { name: '' } } } } } }, 'spec.meshConfig.defaultConfig.tracing.customTags.r.environment.name', /name is required/);
  expectError(otel({ timeout: '0s' }), 'spec.meshConfig.extensionProviders[0].opentelemetry.http.timeout', /more than 0/);
  expectError({ enableTracing: true, tracingg: 1 }, 'spec.meshConfig.tracingg', /unknown field "tracingg"/);
  const grpc = apply([operator({ extensionProviders: [{ name: 'otel', opentelemetry: { service: 'c', port: 4317 } }] })]);
  assert.match(at(grpc.warnings, 'spec.meshConfig.extensionProviders[0].opentelemetry')[0]?.message ?? '', /OTLP over HTTP only/);
});

test('one IstioOperator per mesh: a second one under another name is refused; re-applying the same one is fine', () => {
  const first = apply([operator({ enableTracing: true }, {}, 'mesh')]);
  assert.equal(first.ok, true, show(first.errors));
  const again = apply([operator({ enableTracing: false }, {}, 'mesh')], first.resources);
  assert.equal(again.ok, true, show(again.errors));
  const second = apply([operator({ enableTracing: true }, {}, 'other')], first.resources);
  assert.equal(second.ok, false);
  assert.match(at(second.errors, 'metadata.name')[0]?.message ?? '', /already has its IstioOperator \(IstioOperator\/istio-system\/mesh\)/);
  const both = apply([operator({}, {}, 'a'), operator({}, {}, 'b')]);
  assert.equal(both.ok, false, 'two in one batch');
});

test('an access log format the sidecars could not parse is refused at apply, not NACKed later by every proxy', () => {
  expectError({ accessLogEncoding: 'TEXT', accessLogFormat: '%REQ(:METHOD%\n' }, 'spec.meshConfig.accessLogFormat', /access log format/);
});
