/**
 * Debouncer: merges a burst of change notifications into one push. It fires `quietMs` after the
 * last trigger, but never later than `maxDelayMs` after the first trigger of the burst, so that a
 * steady trickle of changes still reaches the proxies (Istio's PILOT_DEBOUNCE_AFTER / _MAX).
 */
import type { Clock, Timer } from '../../lib/clock.ts';

export interface DebouncerOptions {
  readonly quietMs: number;
  readonly maxDelayMs: number;
  readonly clock: Clock;
  readonly fire: () => void;
}

export class Debouncer {
  readonly #opts: DebouncerOptions;
  /** Monotonic time of the burst's first trigger; null when idle. */
  #burstStart: number | null = null;
  #timer: Timer | null = null;

  constructor(opts: DebouncerOptions) {
    this.#opts = opts;
  }

  get pending(): boolean {
    return this.#burstStart !== null;
  }

  trigger(): void {
    const now = this.#opts.clock.monotonic();
    this.#burstStart ??= now;
    const wait = Math.min(this.#opts.quietMs, this.#burstStart + this.#opts.maxDelayMs - now);
    this.#timer?.cancel();
    this.#timer = this.#opts.clock.setTimeout(() => this.#fire(), Math.max(0, wait));
  }

  cancel(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#burstStart = null;
  }

  #fire(): void {
    this.#timer = null;
    this.#burstStart = null;
    this.#opts.fire();
  }
}
