/**
 * IdleSweeper: one unref'd interval that closes idle connections for all pools, instead of a
 * socket timer armed and disarmed on every release and reuse (which costs a timer refresh and a
 * listener per request on the hot path). Precision is a quarter of the idle timeout, which is
 * what a keep-alive idle timeout needs.
 */

export interface Sweepable {
  /** Closes what has been idle since before `cutoff` (monotonic ms). */
  sweep(cutoff: number): void;
}

export class IdleSweeper {
  readonly #idleMs: number;
  readonly #members = new Set<Sweepable>();
  #timer: NodeJS.Timeout | null = null;

  constructor(idleMs: number) {
    this.#idleMs = idleMs;
  }

  add(m: Sweepable): void {
    this.#members.add(m);
    if (this.#timer === null) {
      this.#timer = setInterval(() => {
        const cutoff = performance.now() - this.#idleMs;
        for (const x of this.#members) x.sweep(cutoff);
      }, Math.max(250, Math.floor(this.#idleMs / 4)));
      this.#timer.unref();
    }
  }

  delete(m: Sweepable): void {
    this.#members.delete(m);
    if (this.#members.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}
