// Tests of the trace store: spans join their trace, summaries name root, duration and status, resent spans are ignored, and the bounds evict the least recently updated traces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpanRecord } from '../../model/trace.ts';
import { TraceStore } from './trace-store.ts';

const id = (n: number, width: number): string => n.toString(16).padStart(width, '0');
function span(trace: number, spanN: number, parent: number | null, startUs: number, durationUs: number, service = 'api-gateway.default', error = false): SpanRecord {
  return {
    traceId: id(trace, 32), spanId: id(spanN, 16), ...(parent === null ? {} : { parentSpanId: id(parent, 16) }),
    name: `GET /${spanN}`, kind: parent === null ? 'CLIENT' : 'SERVER', startUs, durationUs, service, node: `${service}-1`, error, tags: {},
  };
}

test('a trace: root, start, duration from the earliest start to the latest end, span count, status', () => {
  const store = new TraceStore();
  store.add([span(1, 2, 1, 1_100, 800, 'order-service.default')]);
  store.add([span(1, 1, null, 1_000, 1_000), span(1, 3, 2, 1_200, 950, 'user-service.default', true)]);
  store.add([span(1, 3, 2, 1_200, 950, 'user-service.default', true)]); // resent
  assert.deepEqual(store.list(), [{ traceId: id(1, 32), rootService: 'api-gateway.default', rootName: 'GET /1', startUs: 1_000, durationUs: 1_150, spans: 3, errors: 1, status: 'error' }]);
  assert.deepEqual(store.get(id(1, 32))?.spans.map((s) => s.spanId), [id(1, 16), id(2, 16), id(3, 16)]);
  assert.equal(store.get(id(9, 32)), undefined);
  assert.equal(store.list({ service: 'user-service' }).length, 1);
  assert.equal(store.list({ service: 'payment-service' }).length, 0);
});

test('bounds: max traces, max spans in all and per trace; the least recently updated trace goes first', () => {
  const store = new TraceStore({ maxTraces: 3, maxSpans: 5, maxSpansPerTrace: 2 });
  for (let t = 1; t <= 3; t++) store.add([span(t, 1, null, t * 100, 10)]);
  store.add([span(1, 2, 1, 150, 5)]); // trace 1 is now the most recent
  store.add([span(4, 1, null, 400, 10)]);
  assert.deepEqual(store.list().map((s) => parseInt(s.traceId, 16)).sort(), [1, 3, 4], 'trace 2 was the least recently updated');
  store.add([span(1, 3, 1, 160, 5)]);
  assert.equal(store.get(id(1, 32))?.spans.length, 2, 'per-trace cap');
  store.add([span(5, 1, null, 500, 1), span(5, 2, 1, 500, 1)]);
  const st = store.stats();
  assert.ok(st.spans <= 5 && st.traces <= 3, JSON.stringify(st));
  assert.ok(st.dropped >= 2 && st.evictedTraces >= 2, JSON.stringify(st));
  assert.equal(store.list({ limit: 1 })[0]?.traceId, id(5, 32), 'most recently started first');
});
