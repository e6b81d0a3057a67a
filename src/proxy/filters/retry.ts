/**
 * The retry stage (Envoy's router retry state, configured from Istio's http[].retries): sends the
 * request again, to the same cluster, when an attempt fails in a way the route's retryOn names.
 *
 * Decision after each attempt, in Envoy's order (retry_state_impl.cc shouldRetry):
 *   1. the route timeout fired → stop (its 504 UT stands, no URX);
 *   2. would the outcome be retried? (below) — no → it is the answer;
 *   3. the request body can no longer be replayed (over the replay bound) → it is the answer
 *      (Envoy drops the retry state when the retry buffer overflows: no URX);
 *   4. no retry left → it is the answer, flagged URX (upstream_rq_retry_limit_exceeded);
 *   5. the cluster's retry budget (circuit breaker maxRetries) is spent → it is the answer, flagged UO;
 *   6. otherwise: back off, then try again, preferring an endpoint not tried yet.
 *
 * What is retried (Envoy's wouldRetryFromHeaders / wouldRetryFromReset):
 *   - a response: 5xx → any 5xx; gateway-error → 502, 503, 504; retriable-4xx → 409;
 *     retriable-status-codes → the listed ones; cancelled, deadline-exceeded, internal,
 *     resource-exhausted, unavailable → that `grpc-status` in the response head (1, 4, 13, 8, 14).
 *     Never a response carrying x-envoy-ratelimited (Envoy retries it only under envoy-ratelimited).
 *   - no response (a reset): reset, 5xx and gateway-error → any: connect failure, connection reset
 *     or closed before the head, invalid response, per-try timeout; connect-failure → a connect
 *     failure; refused-stream → an HTTP/2 REFUSED_STREAM (the `isRefusedStream` hook).
 *     Never a circuit-breaker overflow (UO), a missing endpoint (UH), or any other error.
 *
 * Back-off: Envoy's fully jittered exponential back-off: before retry N (1, 2, …) a wait uniform in
 * [0, (2^N − 1) × base), capped at backoffMaxMs (default base 25 ms, cap 250 ms).
 *
 * Per-try timeout: counts from when the attempt starts (or the downstream request completes, if
 * later) until the response head; it aborts that attempt (its connection closes) and, as a reset,
 * is retried under reset/5xx/gateway-error. It stops mattering once the head arrived (Envoy: "this
 * timeout only applies before any part of the response is sent to the downstream"). When it ends
 * the last attempt, the answer is 504 UT (+ URX).
 *
 * A retried response's body is dropped: read to its end when it is complete or short (the
 * connection is then reused), else cancelled (the connection is closed, as Envoy resets the stream).
 */
import type { Clock, Timer } from '../../lib/clock.ts';
import { isCausedBy } from '../../lib/errors.ts';
import type { RetryCondition, RetryPolicy } from '../../model/proxy-config.ts';
import type { Body } from '../http/body.ts';
import { getHeader, setHeader, type HttpResponse } from '../http/message.ts';
import { UpstreamConnectError, UpstreamProtocolError, UpstreamResetError, UpstreamTimeoutError } from '../errors.ts';
import type { ForwardOptions } from '../upstream/forward.ts';
import { AbortHandle } from '../upstream/abort-handle.ts';
import { Deadlines, type DeadlineTarget } from './deadlines.ts';
import { addResponseFlag, attemptRequest, whenRequestComplete, type Abortable, type Attempt, type RouteCall, type RouteService } from './route-call.ts';

/** The cluster's retry budget: Envoy's retries() resource (circuit breaker maxRetries). */
export interface RetryBudget<T> {
  /** Takes one retry of the budget; false when it is spent. */
  tryStart(target: T): boolean;
  /** Gives it back, once per successful tryStart, when that retry's outcome is known. */
  end(target: T): void;
}

export interface RetryDeps<T> {
  readonly clock: Clock;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  readonly budget?: RetryBudget<T>;
  /** Whether an attempt's error is an HTTP/2 REFUSED_STREAM reset (refused-stream; HTTP/1.1 has none). */
  readonly isRefusedStream?: (err: unknown) => boolean;
  /**
   * Send `x-envoy-attempt-count: N` with each attempt (Istio sets include_request_attempt_count on
   * every virtual host). Default true.
   */
  readonly attemptCountHeader?: boolean;
}

/** The kinds of failure without a response, as Envoy's stream reset reasons. */
export type ResetKind = 'connect-failure' | 'refused-stream' | 'reset' | 'overflow';

/** A retried response body shorter than this is read to its end (its connection is kept); a longer one is cancelled. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

const GRPC_CONDITIONS: Partial<Record<RetryCondition, number>> = {
  'cancelled': 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  'internal': 13,
  'unavailable': 14,
};

/** The retryOn list compiled once into the two predicates Envoy's RetryStateImpl evaluates. */
export interface RetryOn {
  /** Whether a response (its head) is retried. */
  response(res: HttpResponse): boolean;
  /** Whether a failure without a response is retried. */
  reset(kind: ResetKind | null): boolean;
}

export function compileRetryOn(policy: Pick<RetryPolicy, 'retryOn' | 'retriableStatusCodes'>): RetryOn {
  const on = new Set(policy.retryOn);
  const any5xx = on.has('5xx');
  const gateway = on.has('gateway-error');
  const conflict = on.has('retriable-4xx');
  const codes = on.has('retriable-status-codes') ? new Set(policy.retriableStatusCodes) : null;
  const grpc = new Set<number>();
  for (const c of on) {
    const g = GRPC_CONDITIONS[c];
    if (g !== undefined) grpc.add(g);
  }
  const anyReset = on.has('reset') || any5xx || gateway;
  const connect = on.has('connect-failure');
  const refused = on.has('refused-stream');
  const byStatus = (s: number): boolean =>
    (any5xx && s >= 500 && s <= 599) ||
    (gateway && (s === 502 || s === 503 || s === 504)) ||
    (conflict && s === 409) ||
    (codes !== null && codes.has(s));
  return {
    response(res) {
      let would = byStatus(res.status);
      if (!would && grpc.size > 0) {
        const g = getHeader(res.headers, 'grpc-status');
        would = g !== undefined && grpc.has(Number(g));
      }
      return would && getHeader(res.headers, 'x-envoy-ratelimited') === undefined;
    },
    reset(kind) {
      if (kind === null || kind === 'overflow') return false;
      if (anyReset) return true;
      return (refused && kind === 'refused-stream') || (connect && kind === 'connect-failure');
    },
  };
}

/** What kind of reset an attempt's error is, or null for an error that is never retried (UH, bugs, a failed downstream body). */
export function resetKindOf(err: unknown, isRefusedStream?: (err: unknown) => boolean): ResetKind | null {
  if (isRefusedStream?.(err) === true) return 'refused-stream';
  if (isCausedBy(err, UpstreamConnectError) !== null) return 'connect-failure';
  if (isCausedBy(err, UpstreamResetError) !== null || isCausedBy(err, UpstreamProtocolError) !== null) return 'reset';
  return null;
}

/** Envoy's JitteredExponentialBackOffStrategy: before retry `n` (1-based), uniform in [0, (2^n − 1) × base), at most max. */
export function backoffMs(n: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = (2 ** Math.min(Math.max(1, n), 30) - 1) * baseMs;
  if (!(ceiling > 0)) return 0;
  return Math.min(Math.floor(random() * ceiling), maxMs);
}

/** A retried response's body: read to its end when that is cheap, else cancelled. */
export function dropBody(b: Body): void {
  if (b.ended || (b.length !== null && b.length - b.received <= DRAIN_LIMIT_BYTES)) b.discard();
  else b.cancel();
}

const NO_OPTIONS: ForwardOptions = {};

/**
 * One attempt's abort handle, which is also the target of its per-try deadline: a route with a
 * timeout or per-try timeout makes one per attempt, so it carries what the attempt's closures
 * used to (AbortHandle says why it is not an AbortController).
 */
class AttemptControl extends AbortHandle implements DeadlineTarget {
  /** The attempt's outcome is known: the per-try timeout no longer applies. */
  #settled = false;
  /** The per-try timeout aborted this attempt (retried as a reset). */
  perTryFired = false;
  #timer: Timer | null = null;
  readonly #perTryMs: number;

  constructor(perTryMs: number) {
    super();
    this.#perTryMs = perTryMs;
  }

  startPerTry(deadlines: Deadlines): void {
    if (!this.#settled) this.#timer = deadlines.start(this);
  }

  settle(): void {
    this.#settled = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  onDeadline(): void {
    this.#timer = null;
    if (this.#settled) return;
    this.perTryFired = true;
    this.abort(new UpstreamTimeoutError(this.#perTryMs, 'upstream per-try timeout'));
  }
}

/** The retry stage over the attempt function: the innermost stage of a route with a retry policy. */
export function retryService<T>(policy: RetryPolicy, attempt: Attempt<T>, deps: RetryDeps<T>): RouteService<T> {
  const { clock, random, budget, isRefusedStream } = deps;
  const retryOn = compileRetryOn(policy);
  const maxRetries = Math.max(0, Math.floor(policy.maxRetries));
  const perTryMs = policy.perTryTimeoutMs !== undefined && policy.perTryTimeoutMs > 0 ? policy.perTryTimeoutMs : 0;
  const perTry = perTryMs > 0 ? new Deadlines(clock, perTryMs) : null;
  const avoid = policy.avoidPreviousHosts;
  const countHeader = deps.attemptCountHeader ?? true;
  const baseMs = policy.backoffBaseMs;
  const maxMs = policy.backoffMaxMs;

  /** Waits `ms` before a retry; the route timeout ends the wait with its error. */
  const backOff = (call: RouteCall<T>, ms: number): Promise<void> => new Promise<void>((resolve, reject) => {
    let timer: Timer | null = null;
    const wait: Abortable = {
      abort: (reason) => {
        timer?.cancel();
        if (call.inFlight === wait) call.inFlight = null;
        reject(reason);
      },
    };
    timer = clock.setTimeout(() => {
      if (call.inFlight === wait) call.inFlight = null;
      resolve();
    }, ms);
    if (call.abortable) call.inFlight = wait;
  });

  return async (call: RouteCall<T>): Promise<HttpResponse> => {
    const { req, target } = call;
    const info = req.info;
    let left = maxRetries;
    let exclude: Set<string> | undefined;
    let budgetHeld = false;
    try {
      for (let n = 1; ; n++) {
        if (call.expired !== null) throw call.expired;
        if (countHeader) setHeader(req.headers, 'x-envoy-attempt-count', String(n));
        const areq = attemptRequest(call, n === 1);
        let res: HttpResponse | null = null;
        let err: unknown = null;
        // An attempt needs an abort handle only when something can fire into it: the route
        // timeout (call.abortable) or its own per-try timeout.
        const ctrl = call.abortable || perTry !== null ? new AttemptControl(perTryMs) : null;
        if (ctrl !== null) {
          call.inFlight = ctrl;
          if (perTry !== null) {
            // A bodiless request is complete now: start at once (whenRequestComplete would need a closure).
            if (call.replay === null) ctrl.startPerTry(perTry);
            else whenRequestComplete(call, () => ctrl.startPerTry(perTry));
          }
        }
        try {
          res = await attempt(target, areq, optionsFor(ctrl, exclude));
        } catch (e) {
          err = e;
        } finally {
          if (ctrl !== null) {
            ctrl.settle();
            if (call.inFlight === ctrl) call.inFlight = null;
          }
        }
        if (budgetHeld) {
          budgetHeld = false;
          budget!.end(target);
        }
        if (call.expired !== null) {
          res?.body.cancel();
          throw call.expired;
        }
        const would = res !== null ? retryOn.response(res) : retryOn.reset(ctrl?.perTryFired === true ? 'reset' : resetKindOf(err, isRefusedStream));
        // Nobody waits for an answer any more: never retry for a caller that went away.
        if (!would || !replayable(call) || info.downstreamGone) return answer(res, err);
        if (left === 0) {
          addResponseFlag(info, 'URX');
          return answer(res, err);
        }
        left--;
        if (budget !== undefined) {
          if (!budget.tryStart(target)) {
            addResponseFlag(info, 'UO');
            return answer(res, err);
          }
          budgetHeld = true;
        }
        if (avoid && info.upstreamHost !== '') (exclude ??= new Set()).add(info.upstreamHost);
        try {
          await backOff(call, backoffMs(n, baseMs, maxMs, random));
        } catch (e) {
          if (res !== null) res.body.cancel();
          throw e;
        }
        // A body still streaming in may have overflowed the replay bound during the wait.
        if (!replayable(call)) return answer(res, err);
        if (res !== null) dropBody(res.body);
      }
    } finally {
      if (budgetHeld) budget!.end(target);
    }
  };
}

function optionsFor(ctrl: AttemptControl | null, exclude: ReadonlySet<string> | undefined): ForwardOptions {
  if (ctrl === null) return exclude === undefined ? NO_OPTIONS : { exclude };
  return exclude === undefined ? { signal: ctrl } : { signal: ctrl, exclude };
}

/** Whether another attempt can carry the whole request body. */
function replayable(call: RouteCall<unknown>): boolean {
  return call.replay !== null ? call.replay.replayable : call.req.body.length === 0;
}

function answer(res: HttpResponse | null, err: unknown): HttpResponse {
  if (res !== null) return res;
  throw err;
}
