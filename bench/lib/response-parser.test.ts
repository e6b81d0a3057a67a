// Tests of the load generator's HTTP/1.1 response parser: framing, keep-alive, split input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser, ResponseParseError, parseHead, type ParsedResponse } from './response-parser.ts';

function parseAll(chunks: readonly string[]): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  const p = new ResponseParser((r) => out.push(r));
  for (const c of chunks) p.feed(Buffer.from(c, 'latin1'));
  return out;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';

test('a Content-Length response, whole or split at every byte', () => {
  assert.deepEqual(parseAll([OK]), [{ status: 200, keepAlive: true, bodyBytes: 5 }]);
  assert.deepEqual(parseAll([...OK]), [{ status: 200, keepAlive: true, bodyBytes: 5 }]);
});

test('two responses in one chunk (what a pipelining server may send) are both reported', () => {
  const r = parseAll([OK + OK.replace('200 OK', '503 Service Unavailable')]);
  assert.deepEqual(r.map((x) => x.status), [200, 503]);
});

test('chunked bodies, with extensions and trailers, split anywhere', () => {
  const msg = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n';
  assert.deepEqual(parseAll([msg]), [{ status: 200, keepAlive: true, bodyBytes: 11 }]);
  assert.deepEqual(parseAll([...msg]), [{ status: 200, keepAlive: true, bodyBytes: 11 }]);
});

test('keep-alive follows the version and the Connection header', () => {
  assert.equal(parseHead('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0').keepAlive, false);
  assert.equal(parseHead('HTTP/1.1 200 OK\r\nconnection: Keep-Alive, Close\r\nContent-Length: 0').keepAlive, false);
  assert.equal(parseHead('HTTP/1.0 200 OK\r\nContent-Length: 0').keepAlive, false);
  assert.equal(parseHead('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0').keepAlive, true);
});

test('no body for 204 and 304; 100 Continue is skipped', () => {
  assert.deepEqual(parseAll(['HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n']), [{ status: 204, keepAlive: true, bodyBytes: 0 }]);
  assert.deepEqual(parseAll(['HTTP/1.1 100 Continue\r\n\r\n', OK]).map((r) => r.status), [200]);
});

test('a body delimited by the close completes on finish() and never keeps the connection', () => {
  const out: ParsedResponse[] = [];
  const p = new ResponseParser((r) => out.push(r));
  p.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\nabc'));
  p.feed(Buffer.from('de'));
  assert.equal(out.length, 0);
  p.finish();
  assert.deepEqual(out, [{ status: 200, keepAlive: false, bodyBytes: 5 }]);
});

test('a close in the middle of a response, and garbage, are errors', () => {
  const p = new ResponseParser(() => {});
  p.feed(Buffer.from(OK.slice(0, 40)));
  assert.equal(p.idle, false);
  assert.throws(() => p.finish(), ResponseParseError);
  assert.throws(() => parseAll(['SSH-2.0-OpenSSH\r\n\r\n']), ResponseParseError);
  assert.throws(() => parseAll(['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n']), ResponseParseError);
  assert.throws(() => parseAll(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']), ResponseParseError);
});
