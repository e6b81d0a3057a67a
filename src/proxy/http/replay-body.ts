/**
 * ReplayBody: the downstream request body, streamed to the first attempt while a copy of its bytes
 * is kept up to a bound, so that a retry (or a mirror copy) can send the same body again. Past the
 * bound the copy is dropped and the request is no longer replayable: the attempt in flight keeps
 * streaming, but no other attempt can be made (Envoy's per_request_buffer_limit_bytes rule: a
 * request whose body overflows the retry buffer is not retried).
 *
 *   downstream body ──▶ [sink] ──push──▶ current attempt's Body ──▶ upstream connection
 *                          └── kept chunks (≤ limit) ──▶ next(): a new Body = kept chunks + the rest as it arrives
 *                                                    └─▶ copy(): a complete Body, once the request has ended
 *
 * Backpressure: the current attempt's Body pauses us, we pause the downstream body; an attempt
 * that is no longer current cannot pause or resume anything.
 *
 * Kept chunks are the parser's own buffers, not copies: a socket read allocates a fresh buffer (no
 * `onread` buffer reuse in this proxy), the same invariant Body's held chunks rely on.
 */
import { Body, type BodyProducer, type BodySink } from './body.ts';

/** Envoy's default per_request_buffer_limit_bytes is the listener's 1 MiB; a sidecar keeps less per request. */
export const DEFAULT_REPLAY_LIMIT_BYTES = 64 * 1024;

/** The reason an abandoned attempt's request body fails with (its connection is closed, never reused). */
const ABANDONED = new Error('request body abandoned: the attempt was retried');

export class ReplayBody {
  readonly #src: Body;
  readonly #limit: number;
  /** The bytes so far, or null once over the limit (or when the limit is 0: relay only). */
  #kept: Buffer[] | null;
  #keptBytes = 0;
  #ended = false;
  #error: Error | null = null;
  /** The Body of the attempt being fed. */
  #current: Body;
  #currentPaused = false;
  #firstTaken = false;
  #waiters: (() => void)[] | null = null;

  /** Takes `src` over as its one consumer. `limit` 0 keeps nothing (the request-complete hook only). */
  constructor(src: Body, limit: number) {
    this.#src = src;
    this.#limit = limit;
    this.#kept = limit > 0 && (src.length === null || src.length <= limit) ? [] : null;
    this.#current = this.#newBody();
    // Chunks the downstream body already holds arrive synchronously, into the first attempt's body.
    src.pipe(this.#sink);
  }

  /** Whether another attempt can still get the whole body. */
  get replayable(): boolean {
    return this.#kept !== null && this.#error === null;
  }

  /** Whether the whole downstream body has arrived. */
  get complete(): boolean {
    return this.#ended;
  }

  /** Bytes kept for replay (0 once over the limit). */
  get keptBytes(): number {
    return this.#kept === null ? 0 : this.#keptBytes;
  }

  /** The first attempt's body: it streams as the downstream body arrives. Once. */
  first(): Body {
    if (this.#firstTaken) throw new Error('ReplayBody.first() called twice');
    this.#firstTaken = true;
    return this.#current;
  }

  /**
   * A body for another attempt: the kept bytes again, then whatever of the request is still to
   * come. The previous attempt's body, if unfinished, fails (its connection cannot be reused).
   * Only while `replayable`.
   */
  next(): Body {
    const kept = this.#kept;
    if (kept === null || this.#error !== null) throw new Error('ReplayBody.next() on a body that is not replayable');
    this.#firstTaken = true;
    const prev = this.#current;
    if (!prev.ended) prev.fail(ABANDONED);
    const b = this.#newBody();
    this.#current = b;
    if (this.#currentPaused) {
      this.#currentPaused = false;
      this.#src.resume();
    }
    for (const c of kept) b.push(c);
    if (this.#ended) b.end();
    return b;
  }

  /** A complete copy of the body once it has fully arrived within the bound (a mirror's); null otherwise. */
  copy(): Body | null {
    const kept = this.#kept;
    if (!this.#ended || kept === null || this.#error !== null) return null;
    const b = new Body(this.#keptBytes, null);
    for (const c of kept) b.push(c);
    b.end();
    return b;
  }

  /** Runs `fn` once the whole body has arrived (at once if it has); never if the body fails. */
  onComplete(fn: () => void): void {
    if (this.#ended) {
      fn();
      return;
    }
    if (this.#error !== null) return;
    (this.#waiters ??= []).push(fn);
  }

  /**
   * No attempt will read the current body (the request was answered without sending it, e.g. no
   * endpoint, or a timeout while queued): drop its bytes so the downstream body keeps flowing and
   * the connection manager can finish reading the request.
   */
  drain(): void {
    const cur = this.#current;
    if (!cur.attached) cur.discard();
  }

  #sink: BodySink = {
    write: (chunk: Buffer): boolean => {
      const kept = this.#kept;
      if (kept !== null) {
        if (this.#keptBytes + chunk.length > this.#limit) {
          this.#kept = null;
          this.#keptBytes = 0;
        } else {
          kept.push(chunk);
          this.#keptBytes += chunk.length;
        }
      }
      this.#current.push(chunk);
      return !this.#currentPaused;
    },
    end: (): void => {
      this.#ended = true;
      this.#current.end();
      const waiters = this.#waiters;
      this.#waiters = null;
      if (waiters !== null) for (const fn of waiters) fn();
    },
    abort: (err: Error): void => {
      this.#error = err;
      this.#kept = null;
      this.#waiters = null;
      this.#current.fail(err);
    },
  };

  #newBody(): Body {
    const producer: BodyProducer = {
      pause: () => {
        if (this.#current === body) this.#currentPaused = true;
      },
      resume: () => {
        if (this.#current === body && this.#currentPaused) {
          this.#currentPaused = false;
          this.#src.resume();
        }
      },
    };
    const body: Body = new Body(this.#src.length, producer);
    return body;
  }
}
