// Tests of the proxy-side check of ProxyConfig.telemetry: what the compiler emits passes; bad sampling, exporter URLs and tags are NACK reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTelemetry } from './validate-telemetry.ts';

function problems(value: unknown): string[] {
  const out: string[] = [];
  checkTelemetry(value, (path, msg) => { out.push(`${path}: ${msg}`); });
  return out;
}

test('a compiled telemetry section passes', () => {
  assert.deepEqual(problems({
    tracing: { samplingPercent: 100, exporters: [{ protocol: 'zipkin', url: 'http://jaeger-collector.istio-system:9411/api/v2/spans' }, { protocol: 'otlp-http', url: 'http://127.0.0.1:4318/v1/traces' }], customTags: [{ tag: 'a', kind: 'literal', value: 'x' }, { tag: 'u', kind: 'header', header: 'x-user' }], maxPathTagLength: 256 },
    accessLog: { enabled: true, format: 'text', textFormat: '%START_TIME%\n' },
    metrics: { enabled: false },
  }), []);
  assert.deepEqual(problems({}), []);
});

test('bad values are named by path', () => {
  assert.deepEqual(problems({ tracing: { samplingPercent: 101, exporters: [{ protocol: 'jaeger', url: 'ftp://x' }], customTags: [{ tag: '', kind: 'literal', value: 'x' }, { tag: 'h', kind: 'header', header: 'X User' }], maxPathTagLength: 0 } }), [
    'telemetry.tracing.samplingPercent: not a percentage: 101',
    'telemetry.tracing.maxPathTagLength: not a positive integer: 0',
    'telemetry.tracing.exporters[0].protocol: unknown protocol jaeger',
    'telemetry.tracing.exporters[0].url: not an http:// URL: ftp://x',
    'telemetry.tracing.customTags[0]: a tag needs a name',
    'telemetry.tracing.customTags[1].header: not a lower-case header name: X User',
  ]);
  assert.deepEqual(problems({ metrics: { enabled: 'yes' } }), ['telemetry.metrics: needs enabled (boolean)']);
  const exporter = (e: Record<string, unknown>): unknown => ({ tracing: { samplingPercent: 1, exporters: [{ protocol: 'otlp-http', url: 'http://o:4318/v1/traces', ...e }], customTags: [], maxPathTagLength: 256 } });
  assert.deepEqual(problems(exporter({ timeoutMs: 0, headers: [{ name: 'x a', value: '1' }, { name: 'b' }, { name: 'c', value: 'x\ny' }] })), [
    'telemetry.tracing.exporters[0].timeoutMs: not a positive number of milliseconds: 0',
    'telemetry.tracing.exporters[0].headers[0].name: not a header name',
    'telemetry.tracing.exporters[0].headers[1]: needs exactly one of value, envName (a string)',
    'telemetry.tracing.exporters[0].headers[2].value: carries a character a header value cannot (a control character or one above U+00FF)',
  ]);
  assert.deepEqual(problems(exporter({ timeoutMs: 2500, headers: [{ name: 'X-Token', value: 'abc' }, { name: 'x-env', envName: 'T' }] })), []);
});
