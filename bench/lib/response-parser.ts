// A tiny incremental HTTP/1.1 response parser for the load generator: status, framing and keep-alive, nothing else.
/*
 * It reads what a benchmark client must read to reuse a connection correctly — the status code,
 * the body's framing (Content-Length, chunked, or until close) and whether the server keeps the
 * connection — and skips everything else. Header values other than those three are never turned
 * into strings, so it costs little next to the proxies it measures.
 *
 *   HEAD ──\r\n\r\n──▶ (length > 0) BODY ──────────────────────────────▶ HEAD
 *                 ├──▶ (chunked) CHUNK_SIZE ─▶ CHUNK_DATA ─▶ CHUNK_END ─┘ (size 0 ─▶ TRAILERS ─▶ HEAD)
 *                 └──▶ (no framing) UNTIL_CLOSE (the response ends when finish() is called)
 */

export interface ParsedResponse {
  readonly status: number;
  readonly keepAlive: boolean;
  readonly bodyBytes: number;
}

export class ResponseParseError extends Error {}

const MAX_HEAD = 64 * 1024;
const MAX_CHUNK_LINE = 1024;
const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');

type State = 'HEAD' | 'BODY' | 'CHUNK_SIZE' | 'CHUNK_DATA' | 'CHUNK_END' | 'TRAILERS' | 'UNTIL_CLOSE';

interface Head {
  readonly status: number;
  readonly keepAlive: boolean;
  /** -1: chunked; -2: until close; otherwise Content-Length. */
  readonly length: number;
}

/** Parses the head (status line and headers, without the final CRLFCRLF). Exported for tests. */
export function parseHead(text: string): Head {
  const firstEol = text.indexOf('\r\n');
  const statusLine = firstEol === -1 ? text : text.slice(0, firstEol);
  const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(statusLine);
  if (m === null) throw new ResponseParseError(`bad status line ${JSON.stringify(statusLine.slice(0, 80))}`);
  const minor = Number(m[1]);
  const status = Number(m[2]);
  let length = -2;
  let chunked = false;
  let connection = '';
  if (firstEol !== -1) {
    for (const line of text.slice(firstEol + 2).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new ResponseParseError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      if (name === 'content-length') {
        const v = line.slice(colon + 1).trim();
        if (!/^\d+$/.test(v)) throw new ResponseParseError(`bad content-length ${JSON.stringify(v)}`);
        length = Number(v);
      } else if (name === 'transfer-encoding') {
        chunked = /(?:^|,)\s*chunked\s*$/i.test(line.slice(colon + 1));
      } else if (name === 'connection') {
        connection += `${line.slice(colon + 1).toLowerCase()},`;
      }
    }
  }
  // RFC 9112 §6.3: no body for 1xx, 204 and 304; chunked wins over Content-Length.
  if (status < 200 || status === 204 || status === 304) length = 0;
  else if (chunked) length = -1;
  const keepAlive = minor === 1 ? !/(?:^|,)\s*close\s*,/.test(connection) : /(?:^|,)\s*keep-alive\s*,/.test(connection);
  return { status, keepAlive: keepAlive && length !== -2, length };
}

export class ResponseParser {
  #onResponse: (r: ParsedResponse) => void;
  #state: State = 'HEAD';
  /** Bytes of an incomplete head or chunk-size line carried over to the next feed. */
  #carry: Buffer | null = null;
  #head: Head | null = null;
  #remaining = 0;
  #bodyBytes = 0;

  constructor(onResponse: (r: ParsedResponse) => void) {
    this.#onResponse = onResponse;
  }

  /** True between responses (no partial response buffered): a close now loses nothing. */
  get idle(): boolean {
    return this.#state === 'HEAD' && this.#carry === null;
  }

  feed(chunk: Buffer): void {
    const buf = this.#carry === null ? chunk : Buffer.concat([this.#carry, chunk]);
    this.#carry = null;
    let pos = 0;
    while (pos < buf.length) {
      switch (this.#state) {
        case 'HEAD': {
          const end = buf.indexOf(CRLFCRLF, pos);
          if (end === -1) {
            if (buf.length - pos > MAX_HEAD) throw new ResponseParseError('response head larger than 64 KiB');
            this.#carry = buf.subarray(pos);
            return;
          }
          const head = parseHead(buf.toString('latin1', pos, end));
          pos = end + 4;
          if (head.status < 200) continue; // 100 Continue and friends: the real response follows.
          this.#head = head;
          this.#bodyBytes = 0;
          if (head.length === 0) this.#complete();
          else if (head.length > 0) { this.#remaining = head.length; this.#state = 'BODY'; }
          else if (head.length === -1) this.#state = 'CHUNK_SIZE';
          else this.#state = 'UNTIL_CLOSE';
          break;
        }
        case 'BODY':
        case 'CHUNK_DATA': {
          const take = Math.min(this.#remaining, buf.length - pos);
          pos += take;
          this.#remaining -= take;
          this.#bodyBytes += take;
          if (this.#remaining === 0) {
            if (this.#state === 'BODY') this.#complete();
            else this.#state = 'CHUNK_END';
          }
          break;
        }
        case 'UNTIL_CLOSE':
          this.#bodyBytes += buf.length - pos;
          pos = buf.length;
          break;
        case 'CHUNK_SIZE':
        case 'CHUNK_END':
        case 'TRAILERS': {
          const eol = buf.indexOf(CRLF, pos);
          if (eol === -1) {
            if (buf.length - pos > MAX_CHUNK_LINE) throw new ResponseParseError('chunk line longer than 1 KiB');
            this.#carry = buf.subarray(pos);
            return;
          }
          const line = buf.toString('latin1', pos, eol);
          pos = eol + 2;
          if (this.#state === 'CHUNK_END') {
            if (line !== '') throw new ResponseParseError('missing CRLF after chunk data');
            this.#state = 'CHUNK_SIZE';
          } else if (this.#state === 'CHUNK_SIZE') {
            const size = Number.parseInt(line.split(';', 1)[0]!.trim(), 16);
            if (!Number.isFinite(size) || size < 0) throw new ResponseParseError(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
            if (size === 0) this.#state = 'TRAILERS';
            else { this.#remaining = size; this.#state = 'CHUNK_DATA'; }
          } else if (line === '') {
            this.#complete();
          }
          break;
        }
      }
    }
  }

  /** The connection ended: completes a close-delimited body; any other partial response is an error. */
  finish(): void {
    if (this.#state === 'UNTIL_CLOSE') { this.#complete(); return; }
    if (!this.idle) throw new ResponseParseError(`connection closed in the middle of a response (${this.#state})`);
  }

  #complete(): void {
    const head = this.#head!;
    this.#state = 'HEAD';
    this.#head = null;
    this.#onResponse({ status: head.status, keepAlive: head.keepAlive, bodyBytes: this.#bodyBytes });
  }
}
