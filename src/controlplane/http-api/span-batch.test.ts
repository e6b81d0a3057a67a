// Tests of the span batch schema: a sidecar's spans pass; malformed ids, kinds and oversized tags are refused with the field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpanBatch } from './span-batch.ts';

const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: 'c'.repeat(16), name: 'GET /x', kind: 'SERVER', startUs: 1.7e15, durationUs: 120, service: 'user-service.default', node: 'user-service-v1.default', error: false, tags: { 'http.method': 'GET' } };

test('a batch of well-formed spans passes', () => {
  assert.deepEqual(parseSpanBatch({ spans: [span] }), { spans: [span] });
  assert.deepEqual(parseSpanBatch({ spans: [] }), { spans: [] });
});

test('malformed spans are refused, naming the field', () => {
  const bad = (s: Record<string, unknown>, re: RegExp): void => {
    assert.throws(() => parseSpanBatch({ spans: [{ ...span, ...s }] }), (e: Error & { code?: string }) => e.code === 'WEFT_HTTP_BAD_REQUEST' && re.test(e.message));
  };
  bad({ traceId: 'A'.repeat(32) }, /spans\.0\.traceId: 32 lower-case hex digits/);
  bad({ spanId: 'b'.repeat(15) }, /spans\.0\.spanId/);
  bad({ kind: 'PRODUCER' }, /spans\.0\.kind/);
  bad({ tags: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, /at most 64 tags/);
  bad({ tags: { a: 'x'.repeat(1000), b: 'x'.repeat(1000), c: 'x'.repeat(1000), d: 'x'.repeat(1000), e: 'x'.repeat(200) } }, /at most 4096 characters of tags/);
  bad({ extra: 1 }, /spans\.0/);
  assert.throws(() => parseSpanBatch({ spans: Array.from({ length: 513 }, () => span) }), /spans/);
});
