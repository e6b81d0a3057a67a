// Tests of telemetry compilation: the seed's mesh config, Istio's defaults, Telemetry scope and merge, providers, access log and metrics switches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeshConfigSpec } from '../../api/kinds/istio-operator/types.ts';
import type { TelemetrySpec } from '../../api/kinds/telemetry/types.ts';
import type { IstioOperator, Telemetry } from '../../api/resource.ts';
import { compile } from './index.ts';
import { buildTelemetry, type TelemetryParams } from './telemetry.ts';
import { input, proxyOf, workload } from './test-fixtures.ts';

const ROOT = 'istio-system';
const orders = proxyOf(workload('order-service-v1', 'order-service', 'v1'));
const shop = proxyOf(workload('web-1', 'web', 'v1', { namespace: 'shop' }));

const operator = (meshConfig: MeshConfigSpec, name = 'default'): IstioOperator => ({ apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', metadata: { name, namespace: 'default' }, spec: { meshConfig } });
const telemetry = (name: string, namespace: string, spec: TelemetrySpec): Telemetry => ({ apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name, namespace }, spec });

const SEED: MeshConfigSpec = { enableTracing: true, defaultConfig: { tracing: { sampling: 100.0, zipkin: { address: 'jaeger-collector.istio-system:9411' } } } };
const PROVIDERS: MeshConfigSpec = {
  extensionProviders: [
    { name: 'otel', opentelemetry: { service: '127.0.0.1', port: 4318, http: { path: '/v1/traces' }, maxTagLength: 99 } },
    { name: 'zipkin', zipkin: { service: 'zipkin.istio-system', port: 9411 } },
    { name: 'file', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { text: '%REQ(:METHOD)%\n' } } },
  ],
};

function build(p: Partial<TelemetryParams>): ReturnType<typeof buildTelemetry> {
  return buildTelemetry({ istioOperators: [], telemetries: [], proxy: orders, rootNamespace: ROOT, ...p });
}

test('the seed\'s IstioOperator: 100 % sampling, spans to its zipkin address; nothing configured: no telemetry section at all', () => {
  assert.deepEqual(build({ istioOperators: [operator(SEED)] }), {
    tracing: { samplingPercent: 100, exporters: [{ protocol: 'zipkin', url: 'http://jaeger-collector.istio-system:9411/api/v2/spans' }], customTags: [], maxPathTagLength: 256 },
  });
  assert.equal(build({}), undefined);
  assert.equal('telemetry' in compile(input({ proxy: orders })), false, 'configs without telemetry stay as they were');
  assert.equal(compile({ ...input({ proxy: orders }), istioOperators: [operator(SEED)] }).telemetry?.tracing?.samplingPercent, 100);
});

test('Istio\'s defaults: enableTracing alone samples 1 % (control plane only); enableTracing false or absent: no tracing', () => {
  assert.deepEqual(build({ istioOperators: [operator({ enableTracing: true })] })?.tracing, { samplingPercent: 1, exporters: [], customTags: [], maxPathTagLength: 256 });
  assert.equal(build({ istioOperators: [operator({ ...SEED, enableTracing: false })] }), undefined);
});

test('Telemetry: providers resolve to exporters; sampling, reporting and tags merge root → namespace → workload', () => {
  const mesh = operator({ ...PROVIDERS, defaultProviders: { tracing: ['zipkin'] }, defaultConfig: { tracing: { customTags: { cluster: { literal: { value: 'local' } } } } } });
  const root = telemetry('mesh-default', ROOT, { tracing: [{ randomSamplingPercentage: 10 }] });
  const ns = telemetry('ns', 'default', { tracing: [{ providers: [{ name: 'otel' }, { name: 'zipkin' }], customTags: { user: { header: { name: 'X-User', defaultValue: 'anon' } } } }] });
  const wl = telemetry('orders', 'default', { selector: { matchLabels: { app: 'order-service' } }, tracing: [{ randomSamplingPercentage: 50 }] });
  assert.deepEqual(build({ istioOperators: [mesh], telemetries: [root] })?.tracing, {
    samplingPercent: 10, exporters: [{ protocol: 'zipkin', url: 'http://zipkin.istio-system:9411/api/v2/spans' }], customTags: [{ tag: 'cluster', kind: 'literal', value: 'local' }], maxPathTagLength: 256,
  });
  assert.deepEqual(build({ istioOperators: [mesh], telemetries: [wl, ns, root] })?.tracing, {
    samplingPercent: 50,
    exporters: [{ protocol: 'otlp-http', url: 'http://127.0.0.1:4318/v1/traces' }, { protocol: 'zipkin', url: 'http://zipkin.istio-system:9411/api/v2/spans' }],
    customTags: [{ tag: 'cluster', kind: 'literal', value: 'local' }, { tag: 'user', kind: 'header', header: 'x-user', defaultValue: 'anon' }],
    maxPathTagLength: 99,
  });
  // Another namespace sees only the mesh-wide one.
  assert.equal(build({ proxy: shop, istioOperators: [mesh], telemetries: [wl, ns, root] })?.tracing?.samplingPercent, 10);
  // A selector in the root namespace is not mesh-wide (Istio).
  assert.equal(build({ proxy: shop, istioOperators: [mesh], telemetries: [telemetry('sel', ROOT, { selector: { matchLabels: { app: 'web' } }, tracing: [{ randomSamplingPercentage: 77 }] })] })?.tracing?.samplingPercent, 1);
  // disableSpanReporting at the workload switches spans off there only.
  const quiet = telemetry('quiet', 'default', { selector: { matchLabels: { app: 'order-service' } }, tracing: [{ disableSpanReporting: true }] });
  assert.equal(build({ istioOperators: [mesh], telemetries: [root, quiet] })?.tracing, undefined);
  // A provider that is not a tracing provider: no tracing (Istio).
  assert.equal(build({ istioOperators: [mesh], telemetries: [telemetry('x', 'default', { tracing: [{ providers: [{ name: 'file' }] }] })] })?.tracing, undefined);
});

test('environment custom tags compile to the variable\'s name and default, for the sidecar to read', () => {
  const mesh = operator({ enableTracing: true, defaultConfig: { tracing: { customTags: { region: { environment: { name: 'POD_REGION' } }, zone: { environment: { name: 'POD_ZONE', defaultValue: 'z0' } } } } } });
  assert.deepEqual(build({ istioOperators: [mesh] })?.tracing?.customTags, [
    { tag: 'region', kind: 'environment', name: 'POD_REGION' },
    { tag: 'zone', kind: 'environment', name: 'POD_ZONE', defaultValue: 'z0' },
  ]);
});

test('an opentelemetry provider\'s http.headers and http.timeout go with its exporter', () => {
  const mesh: MeshConfigSpec = {
    extensionProviders: [{ name: 'otel', opentelemetry: { service: 'otel', port: 4318, http: { timeout: '2.5s', headers: [{ name: 'X-Token', value: 'abc' }, { name: 'x-from-env', envName: 'OTEL_TOKEN' }] } } }],
    defaultProviders: { tracing: ['otel'] },
  };
  assert.deepEqual(build({ istioOperators: [operator(mesh)] })?.tracing?.exporters, [
    { protocol: 'otlp-http', url: 'http://otel:4318/v1/traces', headers: [{ name: 'X-Token', value: 'abc' }, { name: 'x-from-env', envName: 'OTEL_TOKEN' }], timeoutMs: 2500 },
  ]);
});

test('access log: off by default; meshConfig encoding and file, Telemetry disabled and providers; metrics: an ALL_METRICS override', () => {
  assert.deepEqual(build({ istioOperators: [operator({ accessLogFile: '/dev/stdout', accessLogEncoding: 'TEXT', accessLogFormat: '%START_TIME%\n' })] })?.accessLog, { enabled: true, format: 'text', textFormat: '%START_TIME%\n' });
  assert.deepEqual(build({ istioOperators: [operator({ accessLogFile: '' })] })?.accessLog, { enabled: false, format: 'json' });
  // Off unless something turns it on, as in Istio: no config, or an encoding without a file.
  assert.equal(build({})?.accessLog, undefined);
  assert.deepEqual(build({ istioOperators: [operator({ accessLogEncoding: 'JSON' })] })?.accessLog, { enabled: false, format: 'json' });
  assert.deepEqual(build({ istioOperators: [operator({ accessLogFile: '/dev/stdout' })] })?.accessLog, { enabled: true, format: 'json' });
  assert.deepEqual(build({ telemetries: [telemetry('on', ROOT, { accessLogging: [{ providers: [{ name: 'envoy' }] }] })] })?.accessLog, { enabled: true, format: 'json' });
  assert.deepEqual(build({ telemetries: [telemetry('off', 'default', { accessLogging: [{ disabled: true }] })] })?.accessLog, { enabled: false, format: 'json' });
  assert.deepEqual(build({ istioOperators: [operator(PROVIDERS)], telemetries: [telemetry('t', ROOT, { accessLogging: [{ providers: [{ name: 'file' }] }] })] })?.accessLog, { enabled: true, format: 'text', textFormat: '%REQ(:METHOD)%\n' });
  const off = telemetry('m', ROOT, { metrics: [{ overrides: [{ disabled: true }] }] });
  const on = telemetry('m', 'default', { metrics: [{ overrides: [{ match: { metric: 'ALL_METRICS' }, disabled: false }] }] });
  assert.deepEqual(build({ telemetries: [off] }), { metrics: { enabled: false } });
  assert.deepEqual(build({ telemetries: [off, on] }), { metrics: { enabled: true } });
  assert.equal(build({ telemetries: [telemetry('m', ROOT, { metrics: [{ overrides: [{ match: { metric: 'REQUEST_COUNT' }, disabled: true }] }] })] }), undefined);
});
