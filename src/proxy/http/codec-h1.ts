/**
 * HTTP/1.1 message parser (RFC 9112) for both directions: an incremental state machine that turns
 * socket bytes into a message head, body chunks (chunked coding removed) and an end.
 *
 * Written by hand, not node:http, because the proxy's hot path is this parser: node:http builds an
 * IncomingMessage/ServerResponse pair, a header object and a Readable per request, which is most of
 * the ~300 µs/request a naive Node proxy pair costs (issue 2's reference figure). This parser makes
 * one string per head, one flat header array, and hands body slices through without copying.
 *
 * Framing rules enforced here are also request-smuggling defences: Transfer-Encoding together
 * with Content-Length, several differing Content-Length values, a Transfer-Encoding other than
 * "chunked", bare LF line ends and invalid chunk sizes are all errors.
 *
 *   bytes ─▶ HEAD ──(no body)──────────────────────────────▶ onMessageEnd ─▶ HEAD …
 *              └──(length n)──▶ BODY_LENGTH ──(n bytes)────▶ onMessageEnd
 *              └──(chunked)───▶ CHUNK_SIZE ▶ CHUNK_DATA ▶ CHUNK_CRLF ▶ … ▶ TRAILERS ▶ onMessageEnd
 *              └──(response, no length)─▶ BODY_UNTIL_CLOSE ──(finish())──▶ onMessageEnd
 */

export interface RequestHead {
  readonly method: string;
  /** Request target as sent: origin-form "/a?b" or absolute-form "http://host:port/a?b". */
  readonly target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly versionMinor: number;
  /** Flat [name, value, name, value, …]; names lower-cased, values trimmed. */
  readonly headers: string[];
  readonly bodyKind: BodyKind;
  /** Content-Length when bodyKind is 'length'. */
  readonly contentLength: number;
  /** Whether the connection may carry another message after this one. */
  readonly keepAlive: boolean;
  readonly upgrade: boolean;
  readonly expectContinue: boolean;
}

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly versionMinor: number;
  readonly headers: string[];
  readonly bodyKind: BodyKind;
  readonly contentLength: number;
  readonly keepAlive: boolean;
}

export type BodyKind = 'none' | 'length' | 'chunked' | 'close';

export interface ParserHandler<H> {
  onHead(head: H): void;
  /** A slice of the body; valid only during the call unless copied (it aliases the socket buffer). */
  onBody(chunk: Buffer): void;
  onMessageEnd(): void;
}

export class HttpParseError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

/** Parser states (a plain object, not an enum: erasable syntax only). */
const S = {
  HEAD: 0,
  BODY_LENGTH: 1,
  CHUNK_SIZE: 2,
  CHUNK_DATA: 3,
  CHUNK_CRLF: 4,
  TRAILERS: 5,
  BODY_UNTIL_CLOSE: 6,
  PAUSED: 7,
  DEAD: 8,
} as const;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const CR = 13;
const LF = 10;

export interface ParserLimits {
  /** Largest head (request/status line + headers) in bytes; beyond → 431. */
  readonly maxHeadBytes: number;
  /** Most header fields in a head; beyond → 431. */
  readonly maxHeaderCount: number;
}

/**
 * Envoy's defaults (issue 4): max_request_headers_kb 60 and max_headers_count 100, both answered
 * with 431 by the connection manager.
 */
export const DEFAULT_LIMITS: ParserLimits = { maxHeadBytes: 60 * 1024, maxHeaderCount: 100 };

/**
 * Chunk extensions are parsed and dropped; their bytes are bounded per message (as Node bounds
 * them since CVE-2024-22019), so that a body of 1-byte chunks with long extensions cannot make
 * the proxy read megabytes per byte of body.
 */
export const MAX_CHUNK_EXTENSION_BYTES_PER_MESSAGE = 16 * 1024;
/** Bytes a chunk extension may hold: HTAB, visible ASCII and obs-text (RFC 9112 §7.1.1); no CR, LF, NUL or other controls. */
const CHUNK_EXT = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A request target is visible (RFC 9112 §3.2): no controls, spaces or DEL. */
function invalidTarget(target: string): boolean {
  if (target.length === 0) return true;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Incremental parser. `execute(buf)` consumes as much as it can; after each message it stops
 * (state PAUSED) and keeps the unconsumed rest until `resume()`, so a connection handles one
 * message at a time (pipelined requests wait their turn).
 */
abstract class Parser<H> {
  protected readonly handler: ParserHandler<H>;
  protected readonly limits: ParserLimits;
  #state: number = S.HEAD;
  #pending: Buffer | null = null;
  #remaining = 0;
  #headSearchFrom = 0;
  /** Chunk-extension and trailer bytes seen in the current message. */
  #extensionBytes = 0;

  constructor(handler: ParserHandler<H>, limits: ParserLimits = DEFAULT_LIMITS) {
    this.handler = handler;
    this.limits = limits;
  }

  /** True between the end of a message and resume(). */
  get paused(): boolean { return this.#state === S.PAUSED; }
  /** True while a message has started (head seen) and not ended. */
  get inMessage(): boolean {
    return this.#state !== S.HEAD && this.#state !== S.PAUSED && this.#state !== S.DEAD;
  }
  /** True when bytes are waiting (a partial or a pipelined next message). */
  get hasBuffered(): boolean { return this.#pending !== null && this.#pending.length > 0; }

  protected abstract parseHead(text: string): H;
  protected abstract bodyOf(head: H): { kind: BodyKind; length: number };

  execute(buf: Buffer): void {
    if (this.#isDead()) return;
    if (this.#pending !== null) {
      buf = this.#pending.length === 0 ? buf : Buffer.concat([this.#pending, buf]);
      this.#pending = null;
    }
    if (this.#state === S.PAUSED) {
      this.#pending = buf;
      return;
    }
    this.#run(buf);
  }

  /** Continues with buffered bytes after a message ended. */
  resume(): void {
    if (this.#state !== S.PAUSED) return;
    this.#state = S.HEAD;
    this.#headSearchFrom = 0;
    const buf = this.#pending;
    this.#pending = null;
    if (buf !== null && buf.length > 0) this.#run(buf);
  }

  /** The connection closed: completes a close-delimited body; true if that ended a message. */
  finish(): boolean {
    if (this.#state === S.BODY_UNTIL_CLOSE) {
      this.#state = S.PAUSED;
      this.handler.onMessageEnd();
      return true;
    }
    return false;
  }

  /** Stops parsing for good (after an error or a close). */
  kill(): void {
    this.#state = S.DEAD;
    this.#pending = null;
  }

  /** Re-reads the state after a handler callback (which may have killed the parser). */
  #isDead(): boolean {
    return this.#state === S.DEAD;
  }

  #fail(err: HttpParseError): never {
    this.kill();
    throw err;
  }

  #run(buf: Buffer): void {
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      switch (this.#state) {
        case S.HEAD: {
          // Skip stray CRLFs between messages (RFC 9112 §2.2 allows ignoring at least one).
          while (pos < len && this.#headSearchFrom === 0 && (buf[pos] === CR || buf[pos] === LF)) pos++;
          if (pos >= len) return;
          const searchStart = Math.max(pos, pos + this.#headSearchFrom - 3);
          const end = buf.indexOf(CRLFCRLF, searchStart);
          if (end === -1) {
            if (len - pos > this.limits.maxHeadBytes) this.#fail(new HttpParseError('message head too large', 431));
            this.#headSearchFrom = len - pos;
            this.#pending = buf.subarray(pos);
            return;
          }
          if (end - pos > this.limits.maxHeadBytes) this.#fail(new HttpParseError('message head too large', 431));
          const text = buf.toString('latin1', pos, end);
          pos = end + 4;
          this.#headSearchFrom = 0;
          let head: H;
          try {
            head = this.parseHead(text);
          } catch (err) {
            this.#fail(err instanceof HttpParseError ? err : new HttpParseError(String(err)));
          }
          const body = this.bodyOf(head);
          this.handler.onHead(head);
          if (this.#isDead()) return;
          if (body.kind === 'none' || (body.kind === 'length' && body.length === 0)) {
            this.#endMessage();
          } else if (body.kind === 'length') {
            this.#remaining = body.length;
            this.#state = S.BODY_LENGTH;
          } else if (body.kind === 'chunked') {
            this.#state = S.CHUNK_SIZE;
          } else {
            this.#state = S.BODY_UNTIL_CLOSE;
          }
          break;
        }
        case S.BODY_LENGTH: {
          const take = Math.min(this.#remaining, len - pos);
          const chunk = pos === 0 && take === len ? buf : buf.subarray(pos, pos + take);
          pos += take;
          this.#remaining -= take;
          this.handler.onBody(chunk);
          if (this.#isDead()) return;
          if (this.#remaining === 0) this.#endMessage();
          break;
        }
        case S.CHUNK_SIZE: {
          const nl = buf.indexOf(LF, pos);
          if (nl === -1) {
            if (len - pos > 1024) this.#fail(new HttpParseError('chunk size line too long'));
            this.#pending = buf.subarray(pos);
            return;
          }
          if (nl === pos || buf[nl - 1] !== CR) this.#fail(new HttpParseError('invalid chunk size line'));
          let line = buf.toString('latin1', pos, nl - 1);
          pos = nl + 1;
          const semi = line.indexOf(';');
          if (semi !== -1) {
            this.#extensionBytes += line.length - semi;
            if (this.#extensionBytes > MAX_CHUNK_EXTENSION_BYTES_PER_MESSAGE) this.#fail(new HttpParseError('too many chunk extension bytes'));
            if (!CHUNK_EXT.test(line.slice(semi))) this.#fail(new HttpParseError('invalid chunk extension'));
            line = line.slice(0, semi);
          }
          line = line.trimEnd();
          if (line.length === 0 || line.length > 12 || !/^[0-9a-fA-F]+$/.test(line)) {
            this.#fail(new HttpParseError('invalid chunk size'));
          }
          const size = parseInt(line, 16);
          if (size === 0) {
            this.#state = S.TRAILERS;
          } else {
            this.#remaining = size;
            this.#state = S.CHUNK_DATA;
          }
          break;
        }
        case S.CHUNK_DATA: {
          const take = Math.min(this.#remaining, len - pos);
          const chunk = buf.subarray(pos, pos + take);
          pos += take;
          this.#remaining -= take;
          this.handler.onBody(chunk);
          if (this.#isDead()) return;
          if (this.#remaining === 0) this.#state = S.CHUNK_CRLF;
          break;
        }
        case S.CHUNK_CRLF: {
          if (len - pos < 2) {
            this.#pending = buf.subarray(pos);
            return;
          }
          if (buf[pos] !== CR || buf[pos + 1] !== LF) this.#fail(new HttpParseError('missing CRLF after chunk data'));
          pos += 2;
          this.#state = S.CHUNK_SIZE;
          break;
        }
        case S.TRAILERS: {
          // Trailer fields are read and dropped (HTTP/1.1 trailers are rare and never needed here).
          const nl = buf.indexOf(LF, pos);
          if (nl === -1) {
            if (len - pos > this.limits.maxHeadBytes) this.#fail(new HttpParseError('trailers too large', 431));
            this.#pending = buf.subarray(pos);
            return;
          }
          if (nl === pos || buf[nl - 1] !== CR) this.#fail(new HttpParseError('invalid trailer line'));
          const empty = nl - 1 === pos;
          // Issue 4: trailers are dropped, but still must be fields (name ":" value), and all of
          // them together fit the head's size limit.
          this.#extensionBytes += nl + 1 - pos;
          if (this.#extensionBytes > this.limits.maxHeadBytes) this.#fail(new HttpParseError('trailers too large', 431));
          if (!empty) {
            const colon = buf.indexOf(58 /* : */, pos);
            if (colon <= pos || colon > nl || !TOKEN.test(buf.toString('latin1', pos, colon))) this.#fail(new HttpParseError('invalid trailer field'));
          }
          pos = nl + 1;
          if (empty) this.#endMessage();
          break;
        }
        case S.BODY_UNTIL_CLOSE: {
          const chunk = pos === 0 ? buf : buf.subarray(pos);
          pos = len;
          this.handler.onBody(chunk);
          break;
        }
        case S.PAUSED: {
          this.#pending = buf.subarray(pos);
          return;
        }
        default:
          return;
      }
    }
  }

  #endMessage(): void {
    this.#state = S.PAUSED;
    this.#extensionBytes = 0;
    this.handler.onMessageEnd();
  }
}

/** Splits head lines and parses header fields into the flat lower-cased array. */
function parseFields(lines: string[], from: number, maxCount: number): string[] {
  const headers: string[] = [];
  if (lines.length - from > maxCount) throw new HttpParseError('too many header fields', 431);
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!;
    // Obsolete line folding (a line starting with SP/HTAB) is rejected, as RFC 9112 §5.2 allows.
    if (line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) throw new HttpParseError('invalid header line (obsolete line folding)');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpParseError('invalid header line');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HttpParseError(`invalid header name "${name.slice(0, 64)}"`);
    const value = line.slice(colon + 1).trim();
    if (value.includes('\n') || value.includes('\r') || value.includes('\0')) throw new HttpParseError('invalid header value');
    headers.push(name.toLowerCase(), value);
  }
  return headers;
}

interface Framing { kind: BodyKind; length: number; connection: string; te: boolean }

/** Reads the framing-relevant fields once: Content-Length, Transfer-Encoding, Connection. */
function framingOf(headers: string[]): Framing {
  let length = -1;
  let te: string | null = null;
  let connection = '';
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name === 'content-length') {
      const v = headers[i + 1]!;
      // "5, 5" is a list of identical values (RFC 9110 §8.6); anything else is an error.
      const parts = v.includes(',') ? v.split(',').map((s) => s.trim()) : [v];
      for (const p of parts) {
        if (!/^\d{1,15}$/.test(p)) throw new HttpParseError('invalid Content-Length');
        const n = Number(p);
        if (length !== -1 && length !== n) throw new HttpParseError('conflicting Content-Length values');
        length = n;
      }
    } else if (name === 'transfer-encoding') {
      te = te === null ? headers[i + 1]! : `${te}, ${headers[i + 1]!}`;
    } else if (name === 'connection') {
      connection = connection === '' ? headers[i + 1]!.toLowerCase() : `${connection}, ${headers[i + 1]!.toLowerCase()}`;
    }
  }
  if (te !== null) {
    if (length !== -1) throw new HttpParseError('both Transfer-Encoding and Content-Length');
    if (te.trim().toLowerCase() !== 'chunked') throw new HttpParseError(`unsupported Transfer-Encoding "${te.slice(0, 64)}"`, 501);
    return { kind: 'chunked', length: 0, connection, te: true };
  }
  if (length !== -1) return { kind: 'length', length, connection, te: false };
  return { kind: 'none', length: 0, connection, te: false };
}

function hasToken(list: string, token: string): boolean {
  if (list === '') return false;
  if (list === token) return true;
  for (const part of list.split(',')) if (part.trim() === token) return true;
  return false;
}

function keepAliveOf(versionMinor: number, connection: string): boolean {
  if (versionMinor === 1) return !hasToken(connection, 'close');
  return hasToken(connection, 'keep-alive');
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class RequestParser extends Parser<RequestHead> {
  protected parseHead(text: string): RequestHead {
    const lines = text.split('\r\n');
    const requestLine = lines[0]!;
    const sp1 = requestLine.indexOf(' ');
    const sp2 = requestLine.lastIndexOf(' ');
    if (sp1 <= 0 || sp2 === sp1) throw new HttpParseError('invalid request line');
    const method = requestLine.slice(0, sp1);
    const target = requestLine.slice(sp1 + 1, sp2);
    const version = requestLine.slice(sp2 + 1);
    if (!METHOD.test(method)) throw new HttpParseError('invalid method');
    if (invalidTarget(target)) throw new HttpParseError('invalid request target');
    let versionMinor: number;
    if (version === 'HTTP/1.1') versionMinor = 1;
    else if (version === 'HTTP/1.0') versionMinor = 0;
    else throw new HttpParseError(`unsupported protocol version "${version.slice(0, 16)}"`, 505);
    const headers = parseFields(lines, 1, this.limits.maxHeaderCount);
    const f = framingOf(headers);
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request is a sign of smuggling; refuse it.
    if (f.te && versionMinor === 0) throw new HttpParseError('Transfer-Encoding in an HTTP/1.0 request');
    let upgrade = false;
    let expectContinue = false;
    let hosts = 0;
    for (let i = 0; i < headers.length; i += 2) {
      const n = headers[i]!;
      if (n === 'host') hosts++;
      else if (n === 'upgrade') upgrade = true;
      else if (n === 'expect' && headers[i + 1]!.toLowerCase() === '100-continue') expectContinue = true;
    }
    // RFC 9112 §3.2: more than one Host is a 400 (two proxies could pick different ones).
    if (hosts > 1) throw new HttpParseError('more than one Host header');
    return {
      method,
      target,
      versionMinor,
      headers,
      bodyKind: f.kind,
      contentLength: f.length,
      keepAlive: keepAliveOf(versionMinor, f.connection),
      upgrade: upgrade && hasToken(f.connection, 'upgrade'),
      expectContinue: expectContinue && versionMinor === 1,
    };
  }

  protected bodyOf(head: RequestHead): { kind: BodyKind; length: number } {
    return { kind: head.bodyKind, length: head.contentLength };
  }
}

export class ResponseParser extends Parser<ResponseHead> {
  /** Set before each response: a HEAD request's response has no body whatever it says. */
  requestMethod = 'GET';

  protected parseHead(text: string): ResponseHead {
    const lines = text.split('\r\n');
    const statusLine = lines[0]!;
    let versionMinor: number;
    if (statusLine.startsWith('HTTP/1.1 ')) versionMinor = 1;
    else if (statusLine.startsWith('HTTP/1.0 ')) versionMinor = 0;
    else throw new HttpParseError('invalid status line');
    const code = statusLine.slice(9, 12);
    if (!/^[1-9]\d\d$/.test(code) || (statusLine.length > 12 && statusLine[12] !== ' ')) throw new HttpParseError('invalid status code');
    const status = Number(code);
    const reason = statusLine.length > 13 ? statusLine.slice(13) : '';
    const headers = parseFields(lines, 1, this.limits.maxHeaderCount);
    const f = framingOf(headers);
    let bodyKind = f.kind;
    // RFC 9112 §6.3: no body for HEAD responses, 1xx, 204 and 304; otherwise no framing = until close.
    if (this.requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) bodyKind = 'none';
    else if (bodyKind === 'none') bodyKind = 'close';
    return {
      status,
      reason,
      versionMinor,
      headers,
      bodyKind,
      contentLength: f.length,
      keepAlive: bodyKind !== 'close' && keepAliveOf(versionMinor, f.connection),
    };
  }

  protected bodyOf(head: ResponseHead): { kind: BodyKind; length: number } {
    return { kind: head.bodyKind, length: head.contentLength };
  }
}
