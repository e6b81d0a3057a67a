// Property-based tests (fast-check) of the HTTP/1.1 request parser, the sidecar's front end: random and mutated byte streams split at random points never make it throw anything but HttpParseError with a status a client may get, heads it emits are well-formed, and an ambiguously framed request never lets a smuggled second request through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HttpParseError, RequestParser, type ParserHandler, type RequestHead } from './codec-h1.ts';

/** Bounded so that the whole file runs in a few seconds on a loaded machine. */
const RUNS = 400;
const ERROR_STATUSES = new Set([400, 431, 501, 505]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

interface Outcome {
  readonly heads: RequestHead[];
  readonly bodyBytes: number;
  readonly ends: number;
  readonly error: HttpParseError | null;
}

/** Feeds `chunks` as a connection manager does (resume after each message), collecting what the parser reports. */
function feed(chunks: readonly Uint8Array[]): Outcome {
  const heads: RequestHead[] = [];
  let bodyBytes = 0;
  let ends = 0;
  const handler: ParserHandler<RequestHead> = {
    onHead: (h) => { heads.push(h); },
    onBody: (b) => { bodyBytes += b.length; },
    onMessageEnd: () => { ends++; },
  };
  const parser = new RequestParser(handler);
  try {
    for (const c of chunks) {
      parser.execute(Buffer.from(c));
      // Bounded: each resume consumes at least one buffered message or stops.
      for (let i = 0; i < 64 && parser.paused; i++) parser.resume();
    }
  } catch (err) {
    if (!(err instanceof HttpParseError)) throw err;
    return { heads, bodyBytes, ends, error: err };
  }
  return { heads, bodyBytes, ends, error: null };
}

/** Splits `bytes` at the given (sorted, deduplicated) cut points. */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

function checkOutcome(o: Outcome): void {
  if (o.error !== null) assert.ok(ERROR_STATUSES.has(o.error.status), `status ${o.error.status}: ${o.error.message}`);
  for (const h of o.heads) {
    assert.match(h.method, TOKEN);
    assert.ok(h.target.length > 0 && ![...h.target].some((ch) => ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f), `target ${JSON.stringify(h.target)}`);
    assert.ok(h.versionMinor === 0 || h.versionMinor === 1);
    assert.equal(h.headers.length % 2, 0);
    for (let i = 0; i < h.headers.length; i += 2) {
      assert.match(h.headers[i]!, TOKEN);
      assert.ok(!/[\r\n\0]/.test(h.headers[i + 1]!), 'header value without CR, LF, NUL');
    }
    assert.ok(h.headers.length / 2 <= 100, 'at most 100 header fields');
  }
}

const VALID_REQUESTS = [
  'GET /users/1 HTTP/1.1\r\nHost: a\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello',
  'POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n',
  'GET http://user-service:8080/x?y=1 HTTP/1.1\r\nHost: user-service:8080\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n',
  'HEAD / HTTP/1.0\r\nHost: b\r\nConnection: keep-alive\r\n\r\n',
];

test('random bytes split anywhere: only HttpParseError with 400/431/501/505, and well-formed heads', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
      checkOutcome(feed(split(bytes, cuts)));
    }),
    { numRuns: RUNS },
  );
});

test('random text with HTTP-ish tokens: same', () => {
  const piece = fc.constantFrom('GET ', 'POST ', ' HTTP/1.1', ' HTTP/1.0', '\r\n', '\n', '\r', ': ', 'Host', 'Content-Length', 'Transfer-Encoding', 'chunked', '0', '5', 'ffffffffffffffff', ';', ',', ' ', '\t', '/', 'hello', '\0', 'Ä');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 80 }), fc.array(fc.nat(), { maxLength: 8 }), (pieces, cuts) => {
      checkOutcome(feed(split(Buffer.from(pieces.join(''), 'latin1'), cuts)));
    }),
    { numRuns: RUNS },
  );
});

test('mutated valid requests split anywhere: same; unmutated they parse whole', () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), byte: fc.integer({ min: 1, max: 40 }) }),
  );
  fc.assert(
    fc.property(fc.constantFrom(...VALID_REQUESTS), fc.array(mutation, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), (req, mutations, cuts) => {
      let bytes = Buffer.from(req, 'latin1');
      for (const m of mutations) {
        const at = m.at % (bytes.length + 1);
        if (m.kind === 'flip' && at < bytes.length) bytes[at] = m.byte;
        else if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at)]);
        else if (m.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
        else if (m.kind === 'duplicate') bytes = Buffer.concat([bytes.subarray(0, at + m.byte), bytes.subarray(at)]);
      }
      const o = feed(split(bytes, cuts));
      checkOutcome(o);
      if (mutations.length === 0) {
        assert.equal(o.error, null);
        assert.equal(o.heads.length, 1);
        assert.equal(o.ends, 1);
      }
    }),
    { numRuns: RUNS },
  );
});

/** A second request hidden in the first one's body: any parser that lets it out was smuggled past. */
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: victim\r\n\r\n';
const CHUNKED_END = '0\r\n\r\n';

test('ambiguous framing (CL+TE, differing CLs, obfuscated or HTTP/1.0 TE) is refused before a smuggled request comes out', () => {
  const caseOf = fc.constantFrom<(s: string) => string>((s) => s, (s) => s.toUpperCase(), (s) => s[0]!.toUpperCase() + s.slice(1));
  const teValue = fc.constantFrom('chunked', ' chunked', 'chunked ', 'Chunked', 'chunked, identity', 'identity, chunked', 'xchunked', 'chunked\t', 'gzip, chunked');
  const body = CHUNKED_END + SMUGGLED;
  const framing = fc.oneof(
    // CL.TE and TE.CL, in either order, CL covering all or only part of the body.
    fc.tuple(teValue, fc.boolean(), fc.boolean(), caseOf).map(([te, clFirst, whole, c]) => {
      const cl = `${c('content-length')}: ${whole ? body.length : CHUNKED_END.length}`;
      const t = `${c('transfer-encoding')}: ${te}`;
      return { version: 'HTTP/1.1', fields: clFirst ? [cl, t] : [t, cl] };
    }),
    // Two different Content-Length values, as two fields or one list.
    fc.tuple(fc.boolean(), caseOf).map(([asList, c]) => ({
      version: 'HTTP/1.1',
      fields: asList ? [`${c('content-length')}: ${CHUNKED_END.length}, ${body.length}`] : [`${c('content-length')}: ${CHUNKED_END.length}`, `${c('content-length')}: ${body.length}`],
    })),
    // Transfer-Encoding in HTTP/1.0.
    fc.tuple(teValue, caseOf).map(([te, c]) => ({ version: 'HTTP/1.0', fields: [`${c('transfer-encoding')}: ${te}`] })),
    // Two Transfer-Encoding fields.
    fc.tuple(teValue, teValue).map(([a, b]) => ({ version: 'HTTP/1.1', fields: [`Transfer-Encoding: ${a}`, `Transfer-Encoding: ${b}`] })),
  );
  fc.assert(
    fc.property(framing, fc.array(fc.nat(), { maxLength: 6 }), (f, cuts) => {
      const text = `POST /a ${f.version}\r\nHost: a\r\n${f.fields.join('\r\n')}\r\n\r\n${body}`;
      const o = feed(split(Buffer.from(text, 'latin1'), cuts));
      checkOutcome(o);
      assert.ok(!o.heads.some((h) => h.target === '/smuggled'), `smuggled through with ${JSON.stringify(f)}`);
      assert.notEqual(o.error, null, `not refused: ${JSON.stringify(f)}`);
    }),
    { numRuns: RUNS },
  );
});

test('chunk sizes and extensions: invalid sizes and extension floods are 400', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), (size) => {
      const o = feed([Buffer.from(`POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\nx\r\n0\r\n\r\n`, 'latin1')]);
      checkOutcome(o);
      // Accepted only when the line is hex 1 (leading zeros allowed), then optional blanks and a clean extension.
      if (o.error === null && o.ends === 1) assert.match(size, /^0*1[ \t]*(?:;[\t\x20-\x7e\x80-\uffff]*)?$/, `size line ${JSON.stringify(size)} accepted`);
    }),
    { numRuns: RUNS },
  );
  // 1-byte chunks each with a 1000-byte extension: refused once 16 KiB of extensions are read.
  const ext = `;${'e'.repeat(999)}`;
  const flood = `POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${`1${ext}\r\nx\r\n`.repeat(40)}0\r\n\r\n`;
  const o = feed([Buffer.from(flood, 'latin1')]);
  assert.equal(o.error?.status, 400);
  assert.match(o.error?.message ?? '', /chunk extension/);
  assert.ok(o.bodyBytes <= 17, `read ${o.bodyBytes} body bytes before refusing`);
});

test('more than 100 header fields or a 60 KiB head are 431', () => {
  const many = `GET / HTTP/1.1\r\nHost: a\r\n${'X-A: 1\r\n'.repeat(100)}\r\n`;
  assert.equal(feed([Buffer.from(many)]).error?.status, 431);
  const ok = `GET / HTTP/1.1\r\nHost: a\r\n${'X-A: 1\r\n'.repeat(99)}\r\n`;
  assert.equal(feed([Buffer.from(ok)]).error, null);
  const big = `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(61 * 1024)}\r\n\r\n`;
  assert.equal(feed([Buffer.from(big)]).error?.status, 431);
  assert.equal(feed(split(Buffer.from(big), [10, 30_000, 50_000])).error?.status, 431, 'also when the head arrives in pieces');
  assert.equal(feed([Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')]).error?.status, 400, 'two Host fields');
});
