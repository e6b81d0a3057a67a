/**
 * SpanBatcher: the bounded queue between finished spans and one collector. Each span is written
 * into the batch's byte buffer the moment it is added (by its format, through lib/json-bytes.ts:
 * no string is made for it); batches are sent when full or `flushMs`
 * after their first span, one in flight at a time, always from a timer (never in the turn of the
 * request that finished). When the queue is full (`maxQueue` spans, or `maxQueueBytes` of sealed
 * bodies) new spans are dropped and counted: a slow or dead collector costs bounded memory and
 * nothing else.
 *
 *   add ─▶ encode into the open batch ─(batchSize or maxBatchBytes reached, or flushMs timer)─▶ sealed ─▶ send(body) ─▶ exported | failed
 *            └─ queue full: dropped++
 *
 * Why bytes at once, not span objects until the send: a queued span lives a few hundred
 * milliseconds, long enough for V8 to copy it out of the young generation and promote it, so
 * holding ~30 small objects per span made the sidecar's garbage collection the largest cost of
 * tracing (CPU profiles in bench/RESULTS.md). Encoded, a span is a few hundred bytes outside the
 * JavaScript heap, and the body needs no flattening or conversion when it is sent. (One buffer
 * per batch, sized like the last one.)
 *
 * Why batches of 2048 spans, not OpenTelemetry's SDK default of 512: a POST costs the sidecar a
 * fixed price in CPU whatever its size (Node's HTTP client: the request and response objects, the
 * socket's events, the timeout), and at 100 % sampling a busy sidecar sends thousands of spans a
 * second, so four times fewer POSTs are a visible part of what tracing costs (bench/RESULTS.md).
 * The OpenTelemetry Collector's own batch processor sends 8192. A body stays under 2 MiB
 * (maxBatchBytes), well within what collectors take by default (the Collector's HTTP receivers
 * 20 MiB).
 *
 * A buffer serves again once the transport has let go of it (the sender says so): a fresh one per
 * batch was fresh pages for the kernel to fault in and external memory for V8 to count towards its
 * next full collection, both visible in a profile of the sidecars at 100 % sampling.
 */
import type { Clock, Timer } from '../../lib/clock.ts';
import { JsonBytes } from '../../lib/json-bytes.ts';

const MIB = 1024 * 1024;

export interface BatchOptions {
  readonly clock: Clock;
  /** Spans held at most. */
  readonly maxQueue: number;
  /** Bytes of sealed bodies held at most (besides the open batch and the one in flight). */
  readonly maxQueueBytes: number;
  /** Spans per send at most. */
  readonly batchSize: number;
  /** A batch is sealed once its body reaches this many bytes. */
  readonly maxBatchBytes: number;
  /** A partial batch waits at most this long (ms). */
  readonly flushMs: number;
}

export const DEFAULT_BATCH: Omit<BatchOptions, 'clock'> = { maxQueue: 8192, maxQueueBytes: 8 * MIB, batchSize: 2048, maxBatchBytes: 2 * MIB, flushMs: 1000 };

/**
 * A body format, written span by span into the batch's bytes: open(first) + item(s1) + separator
 * + item(s2) … + close. Spans of different `group` keys never share a batch (OTLP's resource: one
 * per service).
 */
export interface BatchFormat<S> {
  group(s: S): string;
  open(first: S, out: JsonBytes): void;
  /** JSON text, written as it is. */
  readonly separator: string;
  item(s: S, out: JsonBytes): void;
  readonly close: string;
}

/**
 * Delivers one batch body; rejects when the collector did not take it. Resolves with true when the
 * transport no longer holds `body` (every byte handed to the operating system), so that its memory
 * may carry the next batch; anything else keeps it off limits.
 */
export type SendBatch = (body: Buffer, spans: number) => Promise<boolean | void>;

export interface ExportStats {
  /** Spans the collector accepted. */
  exported: number;
  /** Spans dropped because the queue was full. */
  dropped: number;
  /** Spans in batches the collector refused or never answered. */
  failed: number;
}

interface Batch {
  readonly out: JsonBytes;
  count: number;
  readonly group: string;
}

const FIRST_BUFFER = 16 * 1024;
/** One batch is in flight at a time, so one spare buffer is enough; a second covers a sealed batch waiting. */
const SPARE_BUFFERS = 2;

export class SpanBatcher<S> {
  readonly target: string;
  readonly stats: ExportStats = { exported: 0, dropped: 0, failed: 0 };
  readonly #format: BatchFormat<S>;
  readonly #send: SendBatch;
  readonly #opts: BatchOptions;
  /** The batch spans are added to; sealed batches wait in #sealed. */
  #open: Batch | null = null;
  #sealed: Batch[] = [];
  #queued = 0;
  /** Bytes of the bodies in #sealed. */
  #sealedBytes = 0;
  /** A new batch's buffer starts as large as the last one grew (no regrowth at a steady rate). */
  #bufferSize = FIRST_BUFFER;
  /** Buffers of sent batches the transport let go of (at most SPARE_BUFFERS). */
  readonly #spare: Buffer[] = [];
  #timer: Timer | null = null;
  #timerDue = 0;
  #inFlight: Promise<void> | null = null;
  #closed = false;

  constructor(target: string, format: BatchFormat<S>, send: SendBatch, opts: BatchOptions) {
    this.target = target;
    this.#format = format;
    this.#send = send;
    this.#opts = opts;
  }

  get queued(): number {
    return this.#queued;
  }

  add(span: S): void {
    if (this.#closed || this.#queued >= this.#opts.maxQueue || this.#sealedBytes >= this.#opts.maxQueueBytes) {
      this.stats.dropped++;
      return;
    }
    const f = this.#format;
    const group = f.group(span);
    let b = this.#open;
    if (b !== null && b.group !== group) {
      this.#seal();
      b = null;
    }
    if (b === null) {
      // A body's buffer is reused only when the sender said the transport let go of it: an HTTP
      // client may still hold it in a socket's write queue after the collector has answered (one
      // that answers before reading it all).
      b = { out: new JsonBytes(this.#spare.pop() ?? Buffer.allocUnsafeSlow(this.#bufferSize)), count: 0, group };
      this.#open = b;
      f.open(span, b.out);
    } else {
      b.out.raw(f.separator);
    }
    f.item(span, b.out);
    b.count++;
    this.#queued++;
    if (b.count >= this.#opts.batchSize || b.out.len >= this.#opts.maxBatchBytes) this.#seal();
    if (this.#inFlight !== null) return; // its completion schedules the next send
    if (this.#sealed.length > 0) this.#schedule(0);
    // Otherwise a timer already armed fires within flushMs of this batch's first span.
    else if (this.#timer === null) this.#schedule(this.#opts.flushMs);
  }

  #seal(): void {
    const b = this.#open;
    if (b === null) return;
    b.out.raw(this.#format.close);
    this.#bufferSize = Math.max(this.#bufferSize, b.out.buf.length);
    this.#sealedBytes += b.out.len;
    this.#sealed.push(b);
    this.#open = null;
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
    if (this.#inFlight !== null) return;
    if (this.#sealed.length === 0) this.#seal();
    if (this.#sealed.length > 0) this.#inFlight = this.#sendOne().then(this.#afterSend);
  };

  #afterSend = (): void => {
    this.#inFlight = null;
    if (this.#closed || this.#queued === 0) return;
    this.#schedule(this.#sealed.length > 0 ? 0 : this.#opts.flushMs);
  };

  async #sendOne(): Promise<void> {
    const b = this.#sealed.shift();
    if (b === undefined) return;
    this.#queued -= b.count;
    this.#sealedBytes -= b.out.len;
    try {
      const { buf, len } = b.out;
      const released = await this.#send(buf.subarray(0, len), b.count);
      this.stats.exported += b.count;
      // Kept only as large as new batches start (a smaller one would grow again, copying).
      if (released === true && buf.length >= this.#bufferSize && this.#spare.length < SPARE_BUFFERS) this.#spare.push(buf);
    } catch {
      this.stats.failed += b.count;
    }
  }

  /**
   * Sends everything queued now (after the batch in flight), batch by batch, then stops taking
   * spans; for a draining sidecar. Bounded: the batches queued now, nothing added after.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#inFlight !== null) await this.#inFlight;
    this.#seal();
    for (let n = this.#sealed.length; n > 0; n--) await this.#sendOne();
  }
}
