/** Exponential backoff with full jitter: the n-th wait is uniform in [min, min(max, base × 2^n)]; pure apart from the injected random source. */

export interface BackoffPolicy {
  /** Ceiling of the first wait. */
  readonly baseMs: number;
  /** No wait is longer than this. */
  readonly maxMs: number;
  /** No wait is shorter than this (default 0: "full jitter" as AWS's architecture blog names it). */
  readonly minMs?: number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry). Full jitter spreads a herd of
 * clients that failed together (every sidecar when the control plane restarts) over the whole
 * window instead of letting them retry in lock-step.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const min = Math.max(0, policy.minMs ?? 0);
  // 2^52 already exceeds any sane maxMs; the clamp keeps the power finite.
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52);
  const ceiling = Math.max(min, Math.min(policy.maxMs, policy.baseMs * 2 ** exponent));
  return min + random() * (ceiling - min);
}

/** The stateful form: counts attempts until `reset()` (call it after a success). */
export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  #attempt = 0;

  constructor(policy: BackoffPolicy, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** Failures since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The wait before the next try; advances the attempt count. */
  next(): number {
    const delay = backoffDelay(this.#attempt, this.#policy, this.#random);
    this.#attempt++;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
