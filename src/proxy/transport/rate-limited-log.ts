/** RateLimitedLog: at most one log line per key and interval, the next one saying how many were held back; for events a hostile or broken peer can repeat at will. */

export class RateLimitedLog {
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** Per key: when it was last logged and how many occurrences since were not. */
  readonly #keys = new Map<string, { at: number; suppressed: number }>();

  constructor(intervalMs: number, now: () => number = () => performance.now()) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** Calls `emit(suppressed)` unless `key` was logged less than the interval ago (then only counts). */
  log(key: string, emit: (suppressed: number) => void): void {
    const now = this.#now();
    const k = this.#keys.get(key);
    if (k !== undefined && now - k.at < this.#intervalMs) {
      k.suppressed++;
      return;
    }
    // Bounded memory: keys are few (reasons × peers); forget all when a flood of distinct keys comes.
    if (k === undefined && this.#keys.size >= 1024) this.#keys.clear();
    this.#keys.set(key, { at: now, suppressed: 0 });
    emit(k?.suppressed ?? 0);
  }
}
