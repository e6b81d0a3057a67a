// Tests of `weft traces` output: durations, the list table, and one trace printed as a tree like the seed's picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpanRecord } from '../model/trace.ts';
import { formatDurationUs, traceTree, tracesTable } from './trace-output.ts';

const T = 'a'.repeat(32);
function span(id: number, parent: number | null, service: string, kind: 'CLIENT' | 'SERVER', name: string, startUs: number, durationUs: number, cluster?: string): SpanRecord {
  const hex = (n: number): string => n.toString(16).padStart(16, '0');
  return {
    traceId: T, spanId: hex(id), ...(parent === null ? {} : { parentSpanId: hex(parent) }), name, kind, startUs, durationUs, service, node: `${service}-1`, error: false,
    tags: { 'http.status_code': '200', response_flags: '-', ...(cluster === undefined ? {} : { upstream_cluster: cluster }) },
  };
}

test('durations in µs, ms and s', () => {
  assert.deepEqual([formatDurationUs(850), formatDurationUs(12_340), formatDurationUs(1_250_000)], ['850µs', '12.3ms', '1.25s']);
});

test('the list table', () => {
  const t = tracesTable([{ traceId: T, rootService: 'api-gateway.default', rootName: 'GET /orders/1', startUs: Date.UTC(2026, 0, 2, 3, 4, 5) * 1000, durationUs: 105_000, spans: 8, errors: 0, status: 'ok' }]);
  assert.deepEqual(t.headers, ['TRACE ID', 'ROOT', 'START', 'DURATION', 'SPANS', 'STATUS']);
  assert.deepEqual(t.rows, [[T, 'api-gateway.default GET /orders/1', '2026-01-02T03:04:05.000Z', '105.0ms', '8', 'ok']]);
});

test('one trace as a tree: children under their parent in start order', () => {
  const out = traceTree({
    traceId: T,
    spans: [
      span(1, null, 'api-gateway.default', 'CLIENT', 'GET /orders/123', 0, 105_000, 'outbound|8080||order-service.default.svc.cluster.local'),
      span(2, 1, 'order-service.default', 'SERVER', 'GET /orders/123', 1_000, 100_000),
      span(4, 2, 'order-service.default', 'CLIENT', 'GET /payments/789', 3_000, 50_000, 'outbound|8080||payment-service.default.svc.cluster.local'),
      span(3, 2, 'order-service.default', 'CLIENT', 'GET /users/456', 2_000, 30_000, 'outbound|8080|v2|user-service.default.svc.cluster.local'),
      span(5, 3, 'user-service.default', 'SERVER', 'GET /users/456', 2_500, 20_000),
    ],
  });
  assert.equal(out, [
    `trace ${T}  5 spans  105.0ms`,
    '└─ GET /orders/123  api-gateway.default client → order-service.default  105.0ms  200',
    '   └─ GET /orders/123  order-service.default server  100.0ms  200',
    '      ├─ GET /users/456  order-service.default client → user-service.default (v2)  30.0ms  200',
    '      │  └─ GET /users/456  user-service.default server  20.0ms  200',
    '      └─ GET /payments/789  order-service.default client → payment-service.default  50.0ms  200',
  ].join('\n'));
});
