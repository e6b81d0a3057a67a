import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceGraph } from '../controlplane/telemetry/graph-types.ts';
import { graphDot, graphTable } from './graph-output.ts';
import { formatTable } from './output.ts';

const G: ServiceGraph = {
  windowMs: 60_000, coveredMs: 60_000, generatedAt: '2026-01-01T00:00:00.000Z', droppedEdges: 0,
  nodes: [
    { id: 'service:order-service.default.svc.cluster.local', kind: 'service', namespace: 'default', name: 'order-service', fqdn: 'order-service.default.svc.cluster.local', versions: ['v1'] },
    { id: 'unknown', kind: 'unknown', namespace: '', name: 'unknown' },
    { id: 'workload:default/api-gateway/v1', kind: 'workload', namespace: 'default', name: 'api-gateway', version: 'v1' },
    { id: 'workload:default/order-service/v1', kind: 'workload', namespace: 'default', name: 'order-service', version: 'v1' },
  ],
  edges: [
    { source: 'workload:default/api-gateway/v1', target: 'workload:default/order-service/v1', service: 'order-service.default.svc.cluster.local', requests: 600, errors: 120, requestRate: 10, errorRate: 0.2, latencyMs: { p50: 17.5, p95: 24.25, p99: 1500 }, mtls: true, mtlsPercent: 100 },
    { source: 'unknown', target: 'workload:default/api-gateway/v1', service: 'api-gateway.default.svc.cluster.local', requests: 3, errors: 0, requestRate: 0.05, errorRate: 0, latencyMs: { p50: 0.4, p95: null, p99: null }, mtls: false, mtlsPercent: 0 },
  ],
};

test('the table: one row per edge, rates, error share, percentiles and mTLS in words', () => {
  const t = graphTable(G);
  assert.equal(formatTable(t.headers, t.rows), [
    'SOURCE           DESTINATION        SERVICE                 REQ/S   ERRORS   P50     P95    P99     MTLS',
    'api-gateway v1   order-service v1   order-service.default   10.0    20.0%    18ms    24ms   1.50s   yes',
    'unknown          api-gateway v1     api-gateway.default     0.05    0.0%     0.4ms   -      -       no',
  ].join('\n'));
});

test('DOT: a digraph with each service\'s workloads in one cluster and labelled, coloured edges', () => {
  const dot = graphDot(G);
  assert.match(dot, /^digraph weft \{/);
  assert.match(dot, /subgraph cluster_0 \{\n {4}label="order-service\.default\.svc\.cluster\.local"; style=dashed;\n {4}"service:order-service\.default\.svc\.cluster\.local" \[label="order-service", shape=ellipse\];\n {4}"workload:default\/order-service\/v1" \[label="order-service v1"\];\n {2}\}/);
  assert.match(dot, /"workload:default\/api-gateway\/v1" -> "workload:default\/order-service\/v1" \[label="10\.00 rps\\n20\.0% err\\np95 24ms\\nmTLS", color=red\];/);
  assert.match(dot, /"unknown" -> "workload:default\/api-gateway\/v1" \[label="0\.05 rps\\n0\.0% err\\np95 -", color=darkgreen, style=dashed\];/);
  assert.match(dot, /"unknown" \[label="unknown", shape=plaintext\];/);
  assert.ok(dot.endsWith('}'));
});
