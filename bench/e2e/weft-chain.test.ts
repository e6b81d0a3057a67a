// Tests of the Weft chain's issue-5 pieces: the Istio YAML of the telemetry chains and the count of Istio metric series in a scrape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { TELEMETRY_OFF_YAML, countIstioSamples, tracingYaml } from './weft-chain.ts';

test('the tracing YAML names the sink, its path and the sampling percentage', () => {
  const docs = parseAllDocuments(tracingYaml(1, 43210, '/api/v2/spans/weft-trace-1')).map((d) => d.toJS() as { kind: string; spec: Record<string, unknown> });
  assert.deepEqual(docs.map((d) => d.kind), ['IstioOperator', 'Telemetry']);
  assert.deepEqual(docs[0]!.spec, {
    meshConfig: {
      enableTracing: true,
      extensionProviders: [{ name: 'bench-zipkin', zipkin: { service: '127.0.0.1', port: 43210, path: '/api/v2/spans/weft-trace-1' } }],
      defaultProviders: { tracing: ['bench-zipkin'] },
    },
  });
  assert.deepEqual(docs[1]!.spec, { tracing: [{ randomSamplingPercentage: 1 }] });
});

test('the off YAML switches metrics, access logging and tracing off', () => {
  const docs = parseAllDocuments(TELEMETRY_OFF_YAML).map((d) => d.toJS() as { spec: Record<string, unknown> });
  assert.deepEqual(docs[0]!.spec, { meshConfig: { enableTracing: false, accessLogFile: '' } });
  assert.deepEqual(docs[1]!.spec, {
    metrics: [{ overrides: [{ match: { metric: 'ALL_METRICS' }, disabled: true }] }],
    accessLogging: [{ disabled: true }],
    tracing: [{ disableSpanReporting: true }],
  });
});

test('a scrape is counted as request series and other Istio samples, leaving out istio_build and comments, with the non-200 answers by code and flags', () => {
  const text = [
    '# HELP istio_requests_total Requests.',
    '# TYPE istio_requests_total counter',
    'istio_requests_total{reporter="source",response_code="200"} 10',
    'istio_requests_total{reporter="source",response_flags="UC",response_code="503"} 1',
    'istio_request_duration_milliseconds_bucket{le="1"} 3',
    'istio_request_duration_milliseconds_count 11',
    'istio_build{component="proxy",tag="0.1.0"} 1',
    'process_cpu_seconds_total 3',
    '',
  ].join('\n');
  assert.deepEqual(countIstioSamples(text), { requestSeries: 2, otherSamples: 2, non200: ['503 UC: 1'] });
  assert.deepEqual(countIstioSamples('istio_build{component="proxy"} 1\n'), { requestSeries: 0, otherSamples: 0, non200: [] });
});
