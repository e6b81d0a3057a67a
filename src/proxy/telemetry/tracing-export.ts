/**
 * SpanBatcher: the bounded queue between finished spans and one collector. Spans are sent in
 * batches, when a batch is full or `flushMs` after the first span of a batch arrived, one batch
 * in flight at a time, always from a timer (never in the turn of the request that finished).
 * When the queue is full new spans are dropped and counted: a slow or dead collector costs memory
 * up to `maxQueue` spans and nothing else.
 *
 *   add ─▶ [queue ≤ maxQueue] ──(batchSize reached, or flushMs timer)──▶ send(batch) ─▶ exported | failed
 *            └─ full: dropped++
 */
import type { Clock, Timer } from '../../lib/clock.ts';

export interface BatchOptions {
  readonly clock: Clock;
  /** Spans held at most (OpenTelemetry's BatchSpanProcessor default 2048). */
  readonly maxQueue: number;
  /** Spans per send (OpenTelemetry's default 512). */
  readonly batchSize: number;
  /** A partial batch waits at most this long (ms). */
  readonly flushMs: number;
}

export const DEFAULT_BATCH: Omit<BatchOptions, 'clock'> = { maxQueue: 2048, batchSize: 512, flushMs: 1000 };

/** Delivers one batch; rejects when the collector did not take it. */
export type SendBatch<S> = (spans: readonly S[]) => Promise<void>;

export interface ExportStats {
  /** Spans the collector accepted. */
  exported: number;
  /** Spans dropped because the queue was full. */
  dropped: number;
  /** Spans in batches the collector refused or never answered. */
  failed: number;
}

/** Generic over the span type S (the tracer's FinishedSpan): the batcher never looks inside one. */
export class SpanBatcher<S> {
  readonly target: string;
  readonly stats: ExportStats = { exported: 0, dropped: 0, failed: 0 };
  readonly #send: SendBatch<S>;
  readonly #opts: BatchOptions;
  #queue: S[] = [];
  #timer: Timer | null = null;
  #timerDue = 0;
  #inFlight: Promise<void> | null = null;
  #closed = false;

  constructor(target: string, send: SendBatch<S>, opts: BatchOptions) {
    this.target = target;
    this.#send = send;
    this.#opts = opts;
  }

  get queued(): number {
    return this.#queue.length;
  }

  add(span: S): void {
    if (this.#closed || this.#queue.length >= this.#opts.maxQueue) {
      this.stats.dropped++;
      return;
    }
    this.#queue.push(span);
    if (this.#inFlight !== null) return; // its completion schedules the next send
    this.#schedule(this.#queue.length >= this.#opts.batchSize ? 0 : this.#opts.flushMs);
  }

  /** Arms the timer to fire within `ms`, unless it will fire sooner already. */
  #schedule(ms: number): void {
    const due = this.#opts.clock.monotonic() + ms;
    if (this.#timer !== null) {
      if (this.#timerDue <= due) return;
      this.#timer.cancel();
    }
    this.#timerDue = due;
    this.#timer = this.#opts.clock.setTimeout(this.#onTimer, ms);
  }

  #onTimer = (): void => {
    this.#timer = null;
    if (this.#inFlight === null && this.#queue.length > 0) this.#inFlight = this.#sendOne().then(this.#afterSend);
  };

  #afterSend = (): void => {
    this.#inFlight = null;
    if (this.#closed || this.#queue.length === 0) return;
    this.#schedule(this.#queue.length >= this.#opts.batchSize ? 0 : this.#opts.flushMs);
  };

  async #sendOne(): Promise<void> {
    const batch = this.#queue.splice(0, this.#opts.batchSize);
    try {
      await this.#send(batch);
      this.stats.exported += batch.length;
    } catch {
      this.stats.failed += batch.length;
    }
  }

  /**
   * Sends everything queued now (after the batch in flight), batch by batch, then stops taking
   * spans; for a draining sidecar. Bounded: at most maxQueue / batchSize + 1 sends.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#inFlight !== null) await this.#inFlight;
    for (let i = 0; i <= Math.ceil(this.#opts.maxQueue / this.#opts.batchSize) && this.#queue.length > 0; i++) await this.#sendOne();
  }
}
