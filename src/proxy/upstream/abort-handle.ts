/**
 * AbortHandle: the abort signal of one upstream attempt — AbortController and AbortSignal in one
 * small object, with one listener slot, for the hot path of routes with a timeout or per-try
 * timeout.
 *
 * Why not AbortController: every attempt of such a route needs one, and Node's costs a
 * controller, a signal, an EventTarget with two Maps, and per listener a Listener record plus
 * option parsing — about 1 µs and a dozen objects per attempt, measured end to end as part of
 * the resilient route's extra CPU and garbage (bench/RESULTS.md, issue 3). An attempt's
 * signal has at most one listener at a time: the pool's queue entry while the request waits
 * for a connection (pool.ts acquire), then forward()'s withAbort until the response head —
 * the first is always removed before the second is added. So one slot serves the common case;
 * a second listener (a test's fake upstream, a future transport) still works, in a list made
 * only then.
 *
 * Semantics kept from AbortSignal: abort() is idempotent, sets `aborted` and `reason` before the
 * listeners run, runs them synchronously in the order added, each at most once (every listener
 * here is `once`); a listener added after the abort is not called (AbortSignal does not either);
 * adding a listener already added does nothing; throwIfAborted() throws the reason.
 */

/** The part of AbortSignal that an attempt's consumers use (forward(), the pool's queue); AbortSignal and AbortHandle both have it. */
export interface AttemptSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class AbortHandle implements AttemptSignal {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | null = null;
  /** Listeners beyond the first, in the order added; null until a second one is added at once. */
  #more: (() => void)[] | null = null;

  /** The signal to hand to the attempt (the handle itself: the AbortController shape, without a second object). */
  get signal(): AttemptSignal {
    return this;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const first = this.#listener;
    const more = this.#more;
    this.#listener = null;
    this.#more = null;
    first?.();
    if (more !== null) for (const l of more) l();
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** Every listener is called at most once (`once` is implied). */
  addEventListener(_type: 'abort', listener: () => void, _options?: { readonly once?: boolean }): void {
    if (this.aborted || listener === this.#listener || this.#more?.includes(listener) === true) return;
    if (this.#listener === null && this.#more === null) this.#listener = listener;
    else (this.#more ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.#listener === listener) {
      this.#listener = null;
      return;
    }
    const more = this.#more;
    if (more === null) return;
    const i = more.indexOf(listener);
    if (i !== -1) more.splice(i, 1);
  }
}
