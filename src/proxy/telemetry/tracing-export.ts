/**
 * SpanBatcher: the bounded queue between finished spans and one collector. Spans are sent in
 * batches, when a batch is full or `flushMs` after the first span of a batch arrived, at most
 * `maxInFlight` batches at a time, always from a timer (never in the turn of the request that
 * finished). A full batch goes while another is still in flight (up to maxInFlight): with one at a
 * time the export rate is capped at batchSize per round trip, and a slow control plane (≈ 250 ms
 * under load) made a sidecar at ~2,000 spans/s drop.
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
  /** Batches sent at once, each waiting for its answer; default 1. */
  readonly maxInFlight?: number;
}

export const DEFAULT_BATCH: Omit<BatchOptions, 'clock'> = { maxQueue: 2048, batchSize: 512, flushMs: 1000, maxInFlight: 2 };

/** Delivers one batch; rejects when the collector did not take it. */
export type SendBatch<T> = (spans: readonly T[]) => Promise<void>;

export interface ExportStats {
  /** Spans the collector accepted. */
  exported: number;
  /** Spans dropped because the queue was full. */
  dropped: number;
  /** Spans in batches the collector refused or never answered. */
  failed: number;
}

export class SpanBatcher<T> {
  readonly target: string;
  readonly stats: ExportStats = { exported: 0, dropped: 0, failed: 0 };
  readonly #send: SendBatch<T>;
  readonly #opts: BatchOptions;
  readonly #maxInFlight: number;
  #queue: T[] = [];
  #timer: Timer | null = null;
  #timerDue = 0;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(target: string, send: SendBatch<T>, opts: BatchOptions) {
    this.target = target;
    this.#send = send;
    this.#opts = opts;
    this.#maxInFlight = Math.max(1, opts.maxInFlight ?? 1);
  }

  get queued(): number {
    return this.#queue.length;
  }

  add(span: T): void {
    if (this.#closed || this.#queue.length >= this.#opts.maxQueue) {
      this.stats.dropped++;
      return;
    }
    this.#queue.push(span);
    if (this.#inFlight.size >= this.#maxInFlight) return; // a completion schedules the next send
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
    if (this.#inFlight.size >= this.#maxInFlight || this.#queue.length === 0) return;
    const p: Promise<void> = this.#sendOne().then(() => this.#afterSend(p));
    this.#inFlight.add(p);
    // Another full batch waiting, and room for it: it goes too.
    if (this.#queue.length >= this.#opts.batchSize && this.#inFlight.size < this.#maxInFlight) this.#schedule(0);
  };

  #afterSend(p: Promise<void>): void {
    this.#inFlight.delete(p);
    if (this.#closed || this.#queue.length === 0 || this.#inFlight.size >= this.#maxInFlight) return;
    this.#schedule(this.#queue.length >= this.#opts.batchSize ? 0 : this.#opts.flushMs);
  }

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
    await Promise.all(this.#inFlight);
    for (let i = 0; i <= Math.ceil(this.#opts.maxQueue / this.#opts.batchSize) && this.#queue.length > 0; i++) await this.#sendOne();
  }
}
