import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestParser, ResponseParser, HttpParseError, type RequestHead, type ResponseHead } from './codec-h1.ts';

interface Msg<H> { head: H; body: string; ended: boolean }

function collect<H>(make: (h: { onHead(h: H): void; onBody(c: Buffer): void; onMessageEnd(): void }) => RequestParser | ResponseParser) {
  const msgs: Msg<H>[] = [];
  const parser = make({
    onHead: (head) => msgs.push({ head, body: '', ended: false }),
    onBody: (c) => { msgs[msgs.length - 1]!.body += c.toString('latin1'); },
    onMessageEnd: () => { msgs[msgs.length - 1]!.ended = true; },
  });
  return { parser, msgs };
}

function requests(input: string | string[]) {
  const { parser, msgs } = collect<RequestHead>((h) => new RequestParser(h));
  for (const part of Array.isArray(input) ? input : [input]) {
    parser.execute(Buffer.from(part, 'latin1'));
    while (parser.paused) {
      parser.resume();
      if (parser.paused && !parser.hasBuffered) break;
    }
  }
  return msgs;
}

test('parses a GET in origin-form', () => {
  const [m] = requests('GET /users/1?x=2 HTTP/1.1\r\nHost: user-service:8080\r\nX-A:  b \r\n\r\n');
  assert.equal(m!.head.method, 'GET');
  assert.equal(m!.head.target, '/users/1?x=2');
  assert.deepEqual(m!.head.headers, ['host', 'user-service:8080', 'x-a', 'b']);
  assert.equal(m!.head.keepAlive, true);
  assert.equal(m!.ended, true);
});

test('parses absolute-form targets and HTTP/1.0 keep-alive rules', () => {
  const [a, b] = requests([
    'GET http://user-service:8080/users/123 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    'GET / HTTP/1.0\r\n\r\n',
  ]);
  assert.equal(a!.head.target, 'http://user-service:8080/users/123');
  assert.equal(a!.head.keepAlive, true);
  assert.equal(b!.head.keepAlive, false);
});

test('survives a message split at every byte', () => {
  const raw = 'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello';
  const msgs = requests(raw.split(''));
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0]!.body, 'hello');
  assert.equal(msgs[0]!.ended, true);
});

test('decodes chunked bodies with extensions and trailers, split anywhere', () => {
  const raw = 'POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n';
  for (let cut = 1; cut < raw.length; cut++) {
    const msgs = requests([raw.slice(0, cut), raw.slice(cut)]);
    assert.equal(msgs.length, 1, `cut ${cut}`);
    assert.equal(msgs[0]!.body, 'hello world', `cut ${cut}`);
    assert.equal(msgs[0]!.ended, true);
  }
});

test('handles pipelined requests one at a time', () => {
  const msgs = requests('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n');
  assert.deepEqual(msgs.map((m) => m.head.target), ['/a', '/b']);
});

test('pauses after each message until resumed', () => {
  const { parser, msgs } = collect<RequestHead>((h) => new RequestParser(h));
  parser.execute(Buffer.from('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n'));
  assert.equal(msgs.length, 1);
  assert.equal(parser.paused, true);
  parser.resume();
  assert.equal(msgs.length, 2);
});

function rejects(raw: string, status: number, what: RegExp): void {
  const { parser } = collect<RequestHead>((h) => new RequestParser(h));
  assert.throws(() => parser.execute(Buffer.from(raw, 'latin1')), (err: unknown) => {
    assert.ok(err instanceof HttpParseError);
    assert.equal(err.status, status);
    assert.match(err.message, what);
    return true;
  });
}

test('rejects request-smuggling shapes', () => {
  rejects('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400, /both Transfer-Encoding and Content-Length/);
  rejects('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400, /conflicting Content-Length/);
  rejects('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n', 400, /invalid Content-Length/);
  rejects('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501, /unsupported Transfer-Encoding/);
  rejects('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, /invalid chunk size/);
  rejects('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n', 400, /invalid chunk size line/);
  rejects('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n', 400, /missing CRLF/);
  rejects('GET / HTTP/1.1\r\nHost: h\r\n Folded: x\r\n\r\n', 400, /invalid header line/);
  rejects('GET / HTTP/1.1\r\nHo st: h\r\n\r\n', 400, /invalid header name/);
  rejects('GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n', 400, /invalid header/);
  rejects('GET / HTTP/2.0\r\nHost: h\r\n\r\n', 505, /unsupported protocol version/);
  rejects('GET  HTTP/1.1\r\n\r\n', 400, /invalid request/);
});

test('answers 431 for oversized heads and too many fields', () => {
  rejects(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'a'.repeat(70 * 1024)}\r\n\r\n`, 431, /too large/);
  rejects(`GET / HTTP/1.1\r\n${Array.from({ length: 250 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`, 431, /too many header fields/);
});

test('accepts a repeated identical Content-Length', () => {
  const [m] = requests('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nok');
  assert.equal(m!.body, 'ok');
});

function responses(method: string, raw: string, close = false) {
  const { parser, msgs } = collect<ResponseHead>((h) => new ResponseParser(h));
  (parser as ResponseParser).requestMethod = method;
  parser.execute(Buffer.from(raw, 'latin1'));
  while (parser.paused && parser.hasBuffered) parser.resume();
  if (close) parser.finish();
  return msgs;
}

test('response bodies follow RFC 9112 §6.3', () => {
  assert.equal(responses('GET', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')[0]!.body, 'ok');
  const head = responses('HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n')[0]!;
  assert.equal(head.ended, true);
  assert.equal(head.head.bodyKind, 'none');
  assert.equal(responses('GET', 'HTTP/1.1 204 No Content\r\n\r\n')[0]!.ended, true);
  assert.equal(responses('GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n')[0]!.ended, true);
  const untilClose = responses('GET', 'HTTP/1.0 200 OK\r\n\r\nall of it', true)[0]!;
  assert.equal(untilClose.head.bodyKind, 'close');
  assert.equal(untilClose.head.keepAlive, false);
  assert.equal(untilClose.body, 'all of it');
  assert.equal(untilClose.ended, true);
});

test('an informational response precedes the final one', () => {
  const msgs = responses('POST', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
  assert.deepEqual(msgs.map((m) => m.head.status), [100, 201]);
});

test('rejects invalid status lines', () => {
  const { parser } = collect<ResponseHead>((h) => new ResponseParser(h));
  assert.throws(() => parser.execute(Buffer.from('HTTP/1.1 2000 OK\r\n\r\n')), HttpParseError);
});
