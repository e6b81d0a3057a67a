/**
 * Writing HTTP/1.1 messages to a socket: the head as one latin1 string, and a BodySink that frames
 * the body as Content-Length bytes, chunked coding, or close-delimited, with socket backpressure.
 */
import type { Socket } from 'node:net';
import type { Body, BodySink } from './body.ts';

export type Framing = 'length' | 'chunked' | 'close' | 'none';

/** Chooses how to frame `body` for a peer speaking HTTP/1.`versionMinor`. */
export function framingFor(body: Body, versionMinor: number, bodyAllowed: boolean): Framing {
  if (!bodyAllowed) return 'none';
  if (body.length !== null) return 'length';
  return versionMinor >= 1 ? 'chunked' : 'close';
}

/** Appends framing fields to a head being built; returns the header block (ends with the blank line). */
export function headerBlock(headers: readonly string[], framing: Framing, length: number | null, extra: string): string {
  let s = '';
  const skipLength = framing !== 'none';
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (skipLength && name === 'content-length') continue;
    s += `${name}: ${headers[i + 1]!}\r\n`;
  }
  if (framing === 'length') s += `content-length: ${length ?? 0}\r\n`;
  else if (framing === 'chunked') s += 'transfer-encoding: chunked\r\n';
  return `${s}${extra}\r\n`;
}

/** Bodies up to this size that are already complete go out in the same buffer as the head. */
const COALESCE_LIMIT = 16 * 1024;

/**
 * Writes a head and a complete body in one socket write when the body is small: one system call
 * and, on TLS, one record instead of two (the socket writes are most of a sidecar's CPU time,
 * bench/RESULTS.md). Larger bodies go as head + chunks under cork (one writev).
 */
export function writeWhole(socket: Socket, head: string, chunks: readonly Buffer[], bodyBytes: number): void {
  if (bodyBytes === 0) {
    socket.write(head, 'latin1');
    return;
  }
  if (bodyBytes <= COALESCE_LIMIT) {
    const headLen = Buffer.byteLength(head, 'latin1');
    const buf = Buffer.allocUnsafe(headLen + bodyBytes);
    buf.write(head, 0, 'latin1');
    let at = headLen;
    for (const c of chunks) {
      c.copy(buf, at);
      at += c.length;
    }
    socket.write(buf);
    return;
  }
  socket.cork();
  socket.write(head, 'latin1');
  for (const c of chunks) socket.write(c);
  socket.uncork();
}

/** Total bytes of a chunk list. */
export function sizeOf(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/**
 * Streams a body into a socket. `onEnd` runs once the last byte is queued (or at once on abort,
 * with the error). The socket's 'drain' resumes the producer.
 */
export class SocketBodySink implements BodySink {
  readonly #socket: Socket;
  readonly #chunked: boolean;
  readonly #onEnd: (err: Error | null) => void;
  #body: Body | null = null;
  #waitingDrain = false;
  #done = false;
  bytes = 0;

  constructor(socket: Socket, framing: Framing, onEnd: (err: Error | null) => void) {
    this.#socket = socket;
    this.#chunked = framing === 'chunked';
    this.#onEnd = onEnd;
  }

  /** Attaches to `body` and starts streaming. */
  start(body: Body): void {
    this.#body = body;
    body.pipe(this);
  }

  write(chunk: Buffer): boolean {
    if (this.#done || chunk.length === 0) return true;
    const s = this.#socket;
    if (s.destroyed) return true;
    this.bytes += chunk.length;
    let ok: boolean;
    if (this.#chunked) {
      s.cork();
      s.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      s.write(chunk);
      ok = s.write(CRLF);
      process.nextTick(uncork, s);
    } else {
      ok = s.write(chunk);
    }
    if (!ok && !this.#waitingDrain) {
      this.#waitingDrain = true;
      s.once('drain', this.#onDrain);
    }
    return ok;
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#chunked && !this.#socket.destroyed) this.#socket.write(LAST_CHUNK);
    this.#onEnd(null);
  }

  abort(err: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#onEnd(err);
  }

  #onDrain = (): void => {
    this.#waitingDrain = false;
    this.#body?.resume();
  };
}

function uncork(s: Socket): void {
  s.uncork();
}
