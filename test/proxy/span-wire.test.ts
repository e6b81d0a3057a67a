// The sidecar's hand-written span batch is what the control plane's schema takes: the control plane's batch format through parseSpanBatch(), with request text that needs escaping, at the size limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpanBatch } from '../../src/controlplane/http-api/span-batch.ts';
import { SPAN_LIMITS } from '../../src/model/trace.ts';
import { CONTROL_PLANE_FORMAT, encodeBatch } from '../../src/proxy/telemetry/tracing-encode.ts';
import { FinishedSpan, SpanOrigin, toSpanRecord } from '../../src/proxy/telemetry/tracing-span.ts';

const origin = new SpanOrigin({ id: 'order-service-v1.default', workload: 'order-service-v1', namespace: 'default', service: 'order-service', serviceAccount: 'order-service', labels: { app: 'order-service', version: 'v1' } }, 'cluster.local');

function span(i: number, tags: string[], parent = ''): FinishedSpan {
  return new FinishedSpan(origin, 'ab'.repeat(16), i.toString(16).padStart(16, '0'), parent, `GET /p"${i}\\`, i % 2 === 0 ? 'CLIENT' : 'SERVER', 1795690160613000 + i, 100 + i, i % 3 === 0, tags);
}

test('a batch of spans with escaped text parses back, through the control plane\'s schema, to the same SpanRecords', () => {
  const odd = 'a"b\\c\u0001d\té𝄞';
  const spans = [span(1, ['user_agent', odd, 'http.url', `http://x/${odd}`]), span(2, [], '00000000000000aa'), span(3, ['error', 'true'])];
  const parsed = parseSpanBatch(JSON.parse(encodeBatch(CONTROL_PLANE_FORMAT, spans)));
  assert.deepEqual(parsed.spans, spans.map(toSpanRecord));
  assert.equal(parsed.spans[0]!.tags['user_agent'], odd);
  assert.equal(parsed.spans[1]!.parentSpanId, '00000000000000aa');
  assert.equal('parentSpanId' in parsed.spans[0]!, false, 'a root span has no parentSpanId');
});

test('a full batch at the per-span limits is accepted', () => {
  const tags: string[] = [];
  // The origin's 7 tags plus these stay within maxTags and maxTagText, as the tracer keeps them.
  for (let i = 0; tags.length / 2 + 7 < SPAN_LIMITS.maxTags && i < 40; i++) tags.push(`t${i}`, 'v'.repeat(60));
  const spans = Array.from({ length: SPAN_LIMITS.maxBatch }, (_, i) => span(i + 1, tags));
  assert.equal(parseSpanBatch(JSON.parse(encodeBatch(CONTROL_PLANE_FORMAT, spans))).spans.length, SPAN_LIMITS.maxBatch);
});
