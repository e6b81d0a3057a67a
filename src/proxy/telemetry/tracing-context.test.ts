// Tests of trace-context headers: W3C traceparent and B3 (single and multi) read, malformed ones ignored, one context written back in every format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatB3Single, formatTraceparent, parseB3Single, parseTraceparent, readContext, writeContext } from './tracing-context.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

test('W3C traceparent: the spec\'s example, flags, and malformed values', () => {
  assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, sampled: true, debug: false, single: false });
  assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.sampled, false);
  assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled, true, 'bit 0 only');
  assert.equal(parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`)?.traceId, TRACE, 'a future version is read as 00');
  for (const bad of [
    `00-${TRACE}-${SPAN}-01-extra`, `ff-${TRACE}-${SPAN}-01`, `00-${'0'.repeat(32)}-${SPAN}-01`, `00-${TRACE}-${'0'.repeat(16)}-01`,
    `00-${TRACE.toUpperCase()}-${SPAN}-01`, `00-${TRACE}-${SPAN}-0g`, `00_${TRACE}-${SPAN}-01`, '', 'garbage',
  ]) assert.equal(parseTraceparent(bad), null, bad);
  assert.equal(formatTraceparent(TRACE, SPAN, true), `00-${TRACE}-${SPAN}-01`);
});

test('B3 single: ids with decision and parent, decision only, 64-bit trace ids padded', () => {
  assert.deepEqual(parseB3Single(`${TRACE}-${SPAN}-1-b7ad6b7169203331`), { traceId: TRACE, spanId: SPAN, sampled: true, debug: false, single: true });
  assert.deepEqual(parseB3Single(`a3ce929d0e0e4736-${SPAN}`), { traceId: `0000000000000000a3ce929d0e0e4736`, spanId: SPAN, sampled: null, debug: false, single: true });
  assert.deepEqual(parseB3Single('0'), { traceId: '', spanId: '', sampled: false, debug: false, single: true });
  assert.equal(parseB3Single(`${TRACE}-${SPAN}-d`)?.debug, true);
  for (const bad of [`${TRACE}`, `${TRACE}-${SPAN}-x`, `${TRACE}-zz`, `${TRACE}-${SPAN}-1-bad`]) assert.equal(parseB3Single(bad), null, bad);
  assert.equal(formatB3Single(TRACE, SPAN, true, false, 'b7ad6b7169203331'), `${TRACE}-${SPAN}-1-b7ad6b7169203331`);
});

test('readContext: W3C wins over B3; B3 multi with flags and sampled; no trace header is null', () => {
  assert.equal(readContext(['host', 'a', 'x-request-id', 'r']), null);
  const both = readContext(['traceparent', `00-${TRACE}-${SPAN}-01`, 'x-b3-traceid', 'a'.repeat(32), 'x-b3-spanid', 'b'.repeat(16), 'x-b3-sampled', '0']);
  assert.deepEqual(both, { traceId: TRACE, spanId: SPAN, sampled: true, debug: false, single: false });
  assert.deepEqual(readContext(['x-b3-traceid', TRACE.toUpperCase(), 'x-b3-spanid', SPAN, 'x-b3-sampled', 'true']), { traceId: TRACE, spanId: SPAN, sampled: true, debug: false, single: false });
  assert.equal(readContext(['x-b3-traceid', TRACE, 'x-b3-spanid', SPAN, 'x-b3-flags', '1'])?.sampled, true, 'debug implies sampled');
  assert.equal(readContext(['x-b3-traceid', TRACE, 'x-b3-spanid', SPAN])?.sampled, null, 'ids without a decision');
  assert.deepEqual(readContext(['x-b3-sampled', '0']), { traceId: '', spanId: '', sampled: false, debug: false, single: false });
  assert.equal(readContext(['traceparent', 'broken', 'x-b3-sampled', '1'])?.sampled, true, 'a malformed traceparent falls back to B3');
  assert.equal(readContext(['traceparent', 'broken']), null);
});

test('writeContext: B3 in, W3C and B3 out with the same ids; tracestate and other headers untouched', () => {
  const h = ['host', 'a', 'b3', `${TRACE}-${SPAN}-1`, 'tracestate', 'vendor=x', 'x-b3-sampled', '1'];
  writeContext(h, TRACE, 'cccccccccccccccc', SPAN, false, true);
  // Headers the request had keep their place with new values; the missing ones come after.
  assert.deepEqual(h, [
    'host', 'a', 'b3', `${TRACE}-cccccccccccccccc-1-${SPAN}`, 'tracestate', 'vendor=x', 'x-b3-sampled', '1',
    'traceparent', `00-${TRACE}-cccccccccccccccc-01`, 'x-b3-traceid', TRACE, 'x-b3-spanid', 'cccccccccccccccc', 'x-b3-parentspanid', SPAN,
  ]);
  const back = readContext(h);
  assert.deepEqual(back, { traceId: TRACE, spanId: 'cccccccccccccccc', sampled: true, debug: false, single: true });
});

test('writeContext: stale and repeated trace headers go, a root span drops the parent, debug and single only when asked; the next hop\'s rewrite moves nothing', () => {
  const h = ['x-b3-parentspanid', SPAN, 'host', 'a', 'traceparent', 'old', 'x-b3-flags', '1', 'traceparent', 'dup', 'x-b3-unknown', 'z', 'b3', '1', 'x-b3-sampled', '0'];
  writeContext(h, TRACE, 'cccccccccccccccc', '', false, false);
  assert.deepEqual(h, ['host', 'a', 'traceparent', `00-${TRACE}-cccccccccccccccc-01`, 'x-b3-sampled', '1', 'x-b3-traceid', TRACE, 'x-b3-spanid', 'cccccccccccccccc']);
  const next = [...h];
  writeContext(next, TRACE, 'dddddddddddddddd', 'cccccccccccccccc', true, false);
  assert.deepEqual(next, ['host', 'a', 'traceparent', `00-${TRACE}-dddddddddddddddd-01`, 'x-b3-sampled', '1', 'x-b3-traceid', TRACE, 'x-b3-spanid', 'dddddddddddddddd', 'x-b3-parentspanid', 'cccccccccccccccc', 'x-b3-flags', '1']);
  assert.deepEqual(readContext(next), { traceId: TRACE, spanId: 'dddddddddddddddd', sampled: true, debug: true, single: false });
});
