// Tests of header hygiene: hop-by-hop fields (RFC 9110 §7.6.1) and those the Connection header names are dropped, every other field kept in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endToEnd, isHopByHop } from './headers.ts';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect'];

test('isHopByHop: exactly the eight hop-by-hop names, not their look-alikes of the same length', () => {
  for (const n of HOP_BY_HOP) assert.equal(isHopByHop(n), true, n);
  // Same lengths as hop-by-hop names (2, 6, 7, 10, 16, 17), and near misses.
  for (const n of ['tx', 'accept', 'referer', 'user-agent', 'content-length', 'proxy-connectio', 'x-forwarded-proto', 'transfer-encodings', 'upgrades', 'traceparent', 'host', '']) {
    assert.equal(isHopByHop(n), false, n);
  }
});

test('endToEnd drops hop-by-hop fields and those Connection names, keeps the rest in order, and leaves its input alone', () => {
  const head = ['host', 'b:8080', 'connection', 'keep-alive, X-Custom', 'te', 'trailers', 'x-custom', '1', 'accept', '*/*', 'transfer-encoding', 'chunked', 'content-length', '5', 'upgrade', 'h2c', 'traceparent', '00-x'];
  const copy = [...head];
  assert.deepEqual(endToEnd(head), ['host', 'b:8080', 'accept', '*/*', 'content-length', '5', 'traceparent', '00-x']);
  assert.deepEqual(head, copy);
});
