/**
 * Body: one message body streaming from a producer (a socket's parser) to one consumer (a sink),
 * with backpressure both ways and no copies. Chunks that arrive before a consumer attaches are
 * held (bounded: past the high-water mark the producer is paused).
 *
 *   producer ── push(chunk) ──▶ [held chunks] ──▶ sink.write(chunk) ── false ─▶ producer.pause()
 *                                                 sink drained ─▶ body.resume() ─▶ producer.resume()
 */

export interface BodySink {
  /** Returns false when the producer should pause until the sink calls `Body.resume()`. */
  write(chunk: Buffer): boolean;
  end(): void;
  abort(err: Error): void;
}

export interface BodyProducer {
  pause(): void;
  resume(): void;
  /** The consumer gave up: stop producing (e.g. destroy the upstream connection). */
  cancel?(): void;
}

const HIGH_WATER = 64 * 1024;

/** Stands in as the sink of a body taken whole by takeComplete(). */
const CONSUMED: BodySink = { write: () => true, end: () => {}, abort: () => {} };

export class Body {
  /** Byte length when known in advance (Content-Length), else null (chunked or close-delimited). */
  readonly length: number | null;
  /** Bytes pushed so far. */
  received = 0;
  #held: Buffer[] | null = null;
  #heldBytes = 0;
  #ended = false;
  #error: Error | null = null;
  #sink: BodySink | null = null;
  #producer: BodyProducer | null;
  #producerPaused = false;

  constructor(length: number | null, producer: BodyProducer | null) {
    this.length = length;
    this.#producer = producer;
  }

  /** A body with no bytes, already ended. */
  static empty(): Body {
    const b = new Body(0, null);
    b.#ended = true;
    return b;
  }

  /** A complete in-memory body. */
  static of(data: Buffer | string): Body {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const b = new Body(buf.length, null);
    if (buf.length > 0) b.push(buf);
    b.end();
    return b;
  }

  get ended(): boolean { return this.#ended; }
  get attached(): boolean { return this.#sink !== null; }

  // === producer side ===

  push(chunk: Buffer): void {
    if (this.#ended || this.#error !== null) return;
    this.received += chunk.length;
    const sink = this.#sink;
    if (sink !== null) {
      if (!sink.write(chunk)) this.#pauseProducer();
      return;
    }
    (this.#held ??= []).push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#heldBytes > HIGH_WATER) this.#pauseProducer();
  }

  end(): void {
    if (this.#ended || this.#error !== null) return;
    this.#ended = true;
    if (this.#sink !== null) this.#sink.end();
  }

  fail(err: Error): void {
    if (this.#ended || this.#error !== null) return;
    this.#error = err;
    this.#held = null;
    if (this.#sink !== null) this.#sink.abort(err);
  }

  // === consumer side ===

  /** Attaches the one consumer; held chunks are delivered at once. */
  pipe(sink: BodySink): void {
    if (this.#sink !== null) throw new Error('body already consumed');
    this.#sink = sink;
    if (this.#error !== null) {
      sink.abort(this.#error);
      return;
    }
    const held = this.#held;
    this.#held = null;
    this.#heldBytes = 0;
    let ok = true;
    if (held !== null) for (const c of held) ok = sink.write(c) && ok;
    if (this.#ended) sink.end();
    else if (ok) this.resume();
    else this.#pauseProducer();
  }

  /**
   * When the whole body has already arrived (ended, not yet consumed), takes its chunks at once and
   * marks it consumed; otherwise null. Lets a writer send head and body in one write.
   */
  takeComplete(): Buffer[] | null {
    if (!this.#ended || this.#sink !== null || this.#error !== null) return null;
    const held = this.#held ?? [];
    this.#held = null;
    this.#heldBytes = 0;
    this.#sink = CONSUMED;
    return held;
  }

  /** Reads the whole body into memory, up to `limit` bytes (for small bodies only). */
  async collect(limit = 1024 * 1024): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      this.pipe({
        write: (c) => {
          size += c.length;
          if (size > limit) {
            reject(new Error(`body larger than ${limit} bytes`));
            return true;
          }
          parts.push(Buffer.from(c));
          return true;
        },
        end: () => resolve(Buffer.concat(parts)),
        abort: reject,
      });
    });
  }

  /** Drops the body's bytes (the consumer does not want them, but the connection must read them). */
  discard(): void {
    if (this.#sink !== null) return;
    this.pipe({ write: () => true, end: () => {}, abort: () => {} });
  }

  /** The consumer will never read the rest: tell the producer to stop, drop what is held. */
  cancel(): void {
    if (this.#ended || this.#error !== null) return;
    this.#held = null;
    this.#error = new Error('body cancelled by its consumer');
    this.#producer?.cancel?.();
  }

  /** Called by the sink when it can take more. */
  resume(): void {
    if (this.#producerPaused) {
      this.#producerPaused = false;
      this.#producer?.resume();
    }
  }

  #pauseProducer(): void {
    if (!this.#producerPaused && !this.#ended && this.#producer !== null) {
      this.#producerPaused = true;
      this.#producer.pause();
    }
  }
}
