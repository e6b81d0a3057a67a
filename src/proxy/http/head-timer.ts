/** HeadTimer: Envoy's request_headers_timeout for one downstream connection — armed when the first bytes of a request head arrive without the whole head, disarmed when the head completes; firing means a slow (or slowloris) client. */

export class HeadTimer {
  readonly #timeoutMs: number;
  readonly #onTimeout: () => void;
  #timer: NodeJS.Timeout | null = null;

  constructor(timeoutMs: number, onTimeout: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onTimeout = onTimeout;
  }

  /**
   * Called after each read: `partialHead` is true while a head has begun and is not complete.
   * Arms once per head (a client that trickles bytes does not push the deadline back).
   */
  check(partialHead: boolean): void {
    if (!partialHead) {
      this.stop();
      return;
    }
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#onTimeout();
    }, this.#timeoutMs);
    // The connection's socket keeps the process alive while it matters; the timer need not.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer);
    this.#timer = null;
  }
}
