/**
 * Deadlines: many timeouts of one fixed duration (a route's timeout, its per-try timeout) on a
 * single clock timer. Timeouts of equal length expire in the order they were started, so they form
 * a FIFO queue: starting one is an append, cancelling one clears a field, and the one timer is
 * re-armed for the oldest deadline still live. A request that is answered in time — nearly all of
 * them — costs one small object and no runtime timer (a Node Timeout carries an async resource
 * and a list insertion per call, and a route with a timeout and a per-try timeout needs two per
 * request).
 *
 *   start ─▶ [ d1 ✗ | d2 ✗ | d3 live | d4 live ] ◀─ one clock timer armed for d3.at
 *              cancelled ones are dropped when they reach the head
 *
 * Precision is the clock's: a deadline fires at its instant (virtual time in tests) or later,
 * never earlier. Memory is bounded by the requests started within one duration.
 */
import type { Clock, Timer } from '../../lib/clock.ts';

/** What a deadline calls when it expires (an object, so that starting one allocates no closure). */
export interface DeadlineTarget {
  onDeadline(): void;
}

/** One started deadline; cancel() is idempotent and O(1). */
export class Deadline implements Timer {
  target: DeadlineTarget | null;
  readonly at: number;
  readonly #owner: Deadlines;
  constructor(owner: Deadlines, target: DeadlineTarget, at: number) {
    this.#owner = owner;
    this.target = target;
    this.at = at;
  }
  cancel(): void {
    if (this.target === null) return;
    this.target = null;
    this.#owner.cancelled();
  }
}

/** Past this many spent entries at the front, the queue's array is compacted. */
const COMPACT_AFTER = 1024;

export class Deadlines {
  readonly ms: number;
  readonly #clock: Clock;
  #queue: Deadline[] = [];
  #head = 0;
  #timer: Timer | null = null;
  /** Deadlines neither cancelled nor expired: at 0 the queue is dropped and the clock timer cancelled (an idle proxy wakes for nothing). */
  #live = 0;
  /** Set while expired targets run: a deadline they start must not arm the timer out of order. */
  #firing = false;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.ms = ms;
  }

  /** Calls `target.onDeadline()` `ms` from now, unless the returned deadline is cancelled first. */
  start(target: DeadlineTarget): Deadline {
    const d = new Deadline(this, target, this.#clock.monotonic() + this.ms);
    this.#queue.push(d);
    this.#live++;
    if (this.#timer === null && !this.#firing) this.#timer = this.#clock.setTimeout(this.#fire, this.ms);
    return d;
  }

  /** Deadlines started and neither cancelled nor expired. */
  get live(): number {
    return this.#live;
  }

  /** Called by Deadline.cancel(). */
  cancelled(): void {
    if (--this.#live > 0 || this.#firing) return;
    this.#timer?.cancel();
    this.#timer = null;
    this.#queue = [];
    this.#head = 0;
  }

  #fire = (): void => {
    this.#timer = null;
    const now = this.#clock.monotonic();
    const q = this.#queue;
    // Bounded: a target that starts another deadline appends one due after `now`, which stops the walk.
    this.#firing = true;
    try {
      while (this.#head < q.length) {
        const d = q[this.#head]!;
        if (d.target !== null && d.at > now) break;
        this.#head++;
        const t = d.target;
        if (t === null) continue;
        d.target = null;
        this.#live--;
        t.onDeadline();
      }
    } finally {
      this.#firing = false;
    }
    if (this.#live === 0 || this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    if (this.#head > COMPACT_AFTER && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    this.#timer = this.#clock.setTimeout(this.#fire, this.#queue[this.#head]!.at - now);
  };
}
