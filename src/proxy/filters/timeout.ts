/**
 * The route timeout (Envoy's route `timeout`, Istio's http[].timeout): the time from the end of the
 * downstream request until the upstream response is complete, retries and their back-off included.
 *
 *   - The clock starts when the whole downstream request has arrived (at once for a bodiless
 *     request), as Envoy's does in onRequestComplete; a fault delay, earlier, does not count.
 *   - Before the response head: the attempt in flight is aborted (its connection closed), no other
 *     starts, and the request fails with UpstreamTimeoutError → 504, flag UT.
 *   - After the response head (a streaming body still arriving): the response body fails, which
 *     makes the connection manager reset the downstream connection, flag UT (Envoy resets the
 *     stream when the response has started).
 *   - A response complete on arrival (the common small answer) disarms the timer at once; only a
 *     body still streaming is relayed (body-relay.ts) to learn when it ends.
 *
 * Only routes with a timeout have this stage; their timeouts share one clock timer (deadlines.ts).
 */
import type { Clock, Timer } from '../../lib/clock.ts';
import { Deadlines, type DeadlineTarget } from './deadlines.ts';
import type { Body } from '../http/body.ts';
import type { HttpResponse } from '../http/message.ts';
import { relayBody } from '../http/body-relay.ts';
import { UpstreamTimeoutError } from '../errors.ts';
import { addResponseFlag, whenRequestComplete, type RouteCall, type RouteLayer, type RouteService } from './route-call.ts';

export interface TimeoutParams {
  /** The route timeout in ms (> 0). */
  readonly timeoutMs: number;
}

export function timeoutLayer<T>(p: TimeoutParams, clock: Clock): RouteLayer<T> {
  const ms = p.timeoutMs;
  const deadlines = new Deadlines(clock, ms);
  return (inner: RouteService<T>): RouteService<T> => (call: RouteCall<T>) => new TimedCall(call, ms, deadlines, inner).promise;
}

/**
 * One request under the route timeout. The object is its deadline's target and holds the state
 * the request's closures would otherwise each capture: every request of a route with a timeout
 * pays for it, so it costs this object, its promise and one Deadline, and a closure only for a
 * body still streaming in either direction.
 */
class TimedCall<T> implements DeadlineTarget {
  readonly promise: Promise<HttpResponse>;
  readonly #call: RouteCall<T>;
  readonly #ms: number;
  readonly #resolve: (res: HttpResponse) => void;
  readonly #reject: (err: unknown) => void;
  #timer: Timer | null = null;
  /** The response is complete, or the request failed: the timer must not run (again). */
  #done = false;
  /** The promise has settled (a response head passed up, or a rejection). */
  #settled = false;
  #upstreamBody: Body | null = null;
  #relayed: Body | null = null;

  constructor(call: RouteCall<T>, ms: number, deadlines: Deadlines, inner: RouteService<T>) {
    const { promise, resolve, reject } = Promise.withResolvers<HttpResponse>();
    this.promise = promise;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#call = call;
    this.#ms = ms;
    call.abortable = true;
    // A bodiless request is complete now: start at once (whenRequestComplete would need a closure).
    if (call.replay === null) this.#timer = deadlines.start(this);
    else whenRequestComplete(call, () => { if (!this.#done) this.#timer = deadlines.start(this); });
    let answer: Promise<HttpResponse>;
    try {
      answer = inner(call);
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(this.#onAnswer, this.#onFailure);
  }

  #finish(): void {
    this.#done = true;
    if (this.#timer !== null) {
      this.#timer.cancel();
      this.#timer = null;
    }
  }

  onDeadline(): void {
    this.#timer = null;
    this.#done = true;
    const call = this.#call;
    const err = new UpstreamTimeoutError(this.#ms);
    call.expired = err;
    call.inFlight?.abort(err);
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(err);
      return;
    }
    // The head went downstream; the body is late: fail it (the downstream connection is reset).
    addResponseFlag(call.req.info, 'UT');
    call.req.info.responseDetails = err.message;
    this.#upstreamBody?.cancel();
    this.#relayed?.fail(err);
  }

  #onAnswer = (res: HttpResponse): void => {
    if (this.#settled) {
      // Answered after the timeout already did: nobody reads this response.
      res.body.cancel();
      return;
    }
    this.#settled = true;
    if (res.body.ended) {
      this.#finish();
      this.#resolve(res);
      return;
    }
    this.#upstreamBody = res.body;
    const relayed = relayBody(res.body, () => this.#finish());
    this.#relayed = relayed;
    this.#resolve({ ...res, body: relayed });
  };

  #onFailure = (err: unknown): void => {
    this.#finish();
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(err);
  };
}
