/** VirtualClock: a Clock for tests whose time moves only when the test calls advance(), firing due timers in order. */
import type { Clock, Timer } from './clock.ts';

const MAX_FIRINGS_PER_ADVANCE = 100_000;

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class VirtualClock implements Clock {
  #now: number;
  readonly #start: number;
  #seq = 0;
  /** Kept sorted by (at, seq), so timers due at the same instant fire in the order they were set. */
  #pending: Pending[] = [];

  /** `startMs` is the wall-clock reading at virtual time zero (default: the real time now). */
  constructor(startMs: number = Date.now()) {
    this.#now = startMs;
    this.#start = startMs;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#now - this.#start;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const entry: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    let i = this.#pending.length;
    while (i > 0 && this.#compare(this.#pending[i - 1]!, entry) > 0) i--;
    this.#pending.splice(i, 0, entry);
    return {
      cancel: () => {
        const at = this.#pending.indexOf(entry);
        if (at >= 0) this.#pending.splice(at, 1);
      },
    };
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way, each at its own instant
   * (so `now()` inside a callback reads its due time). Timers set by a callback fire too when
   * they fall inside the window. Returns how many fired.
   */
  advance(ms: number): number {
    return this.advanceTo(this.#now + Math.max(0, ms));
  }

  /**
   * Moves time forward by `ms` without firing anything, as a blocked event loop would: the timers
   * that came due meanwhile fire late, at the next advance() (advance(0) fires them at once).
   */
  stall(ms: number): void {
    this.#now += Math.max(0, ms);
  }

  /** Like advance(), to an absolute virtual time (never backwards). */
  advanceTo(target: number): number {
    let fired = 0;
    for (let next = this.#pending[0]; next !== undefined && next.at <= target; next = this.#pending[0]) {
      // A callback that keeps re-arming a zero-delay timer would never let time pass: that is a bug in the test.
      if (fired >= MAX_FIRINGS_PER_ADVANCE) throw new Error(`VirtualClock: more than ${MAX_FIRINGS_PER_ADVANCE} timers fired in one advance`);
      this.#pending.shift();
      this.#now = Math.max(this.#now, next.at);
      fired++;
      next.fn();
    }
    this.#now = Math.max(this.#now, target);
    return fired;
  }

  /** Jumps to the next pending timer and fires it (and any due at the same instant); false when none is pending. */
  runNext(): boolean {
    const next = this.#pending[0];
    if (next === undefined) return false;
    this.advanceTo(next.at);
    return true;
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Milliseconds until the next pending timer fires, or null when none is pending. */
  nextDelay(): number | null {
    const next = this.#pending[0];
    return next === undefined ? null : next.at - this.#now;
  }

  #compare(a: Pending, b: Pending): number {
    return a.at - b.at || a.seq - b.seq;
  }
}
