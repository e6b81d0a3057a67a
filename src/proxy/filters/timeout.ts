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
import { Deadlines } from './deadlines.ts';
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
  return (inner: RouteService<T>): RouteService<T> => (call: RouteCall<T>) => new Promise<HttpResponse>((resolve, reject) => {
    call.abortable = true;
    let timer: Timer | null = null;
    /** The response is complete, or the request failed: the timer must not run (again). */
    let done = false;
    /** The promise has settled (a response head passed up, or a rejection). */
    let settled = false;
    let upstreamBody: HttpResponse['body'] | null = null;
    let relayed: HttpResponse['body'] | null = null;

    const finish = (): void => {
      done = true;
      if (timer !== null) {
        timer.cancel();
        timer = null;
      }
    };
    const onTimeout = (): void => {
      timer = null;
      done = true;
      const err = new UpstreamTimeoutError(ms);
      call.expired = err;
      call.inFlight?.abort(err);
      if (!settled) {
        settled = true;
        reject(err);
        return;
      }
      // The head went downstream; the body is late: fail it (the downstream connection is reset).
      addResponseFlag(call.req.info, 'UT');
      call.req.info.responseDetails = err.message;
      upstreamBody?.cancel();
      relayed?.fail(err);
    };

    whenRequestComplete(call, () => {
      if (!done) timer = deadlines.start({ onDeadline: onTimeout });
    });

    let answer: Promise<HttpResponse>;
    try {
      answer = inner(call);
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(
      (res) => {
        if (settled) {
          // Answered after the timeout already did: nobody reads this response.
          res.body.cancel();
          return;
        }
        settled = true;
        if (res.body.ended) {
          finish();
          resolve(res);
          return;
        }
        upstreamBody = res.body;
        relayed = relayBody(res.body, finish);
        resolve({ ...res, body: relayed });
      },
      (err: unknown) => {
        finish();
        if (settled) return;
        settled = true;
        reject(err);
      },
    );
  });
}
