// Tests of the span sink's counting: one span per "traceId", in Zipkin v2 and OTLP/HTTP JSON batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countSpans } from './span-sink.ts';

test('a Zipkin v2 batch counts one span per element', () => {
  const spans = [1, 2, 3].map((i) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', id: `b7ad6b716920333${i}`, name: 'get', kind: 'CLIENT', tags: { 'http.method': 'GET' } }));
  assert.equal(countSpans(Buffer.from(JSON.stringify(spans))), 3);
  assert.equal(countSpans(Buffer.from('[]')), 0);
});

test('an OTLP/HTTP JSON batch counts its spans, not its resource or scope', () => {
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'backend' } }] }, scopeSpans: [{ scope: { name: 'weft' }, spans: [{ traceId: 'a', spanId: 'b' }, { traceId: 'a', spanId: 'c', parentSpanId: 'b' }] }] }] };
  assert.equal(countSpans(Buffer.from(JSON.stringify(body))), 2);
});
