/**
 * RouteCall: what the route stages (fault → mirror → timeout → retry → attempt) share about one
 * request — the cluster chosen once before any retry, the request body's replay buffer, and the
 * abort handle of the attempt in flight that the route timeout fires into.
 *
 *   router ─ picks the cluster ─▶ RouteCall { req, target }
 *     ─▶ fault ─▶ body stage ─▶ mirror ─▶ timeout ─▶ retry ─▶ attempt(target, req, { signal, exclude })
 *                 (sets replay)            (sets abortable;    (sets inFlight to each attempt's
 *                                           fires expired)      abort handle, or to its back-off wait)
 *
 * A stage is a RouteLayer: built once per route and config version, run per request.
 */
import { Body } from '../http/body.ts';
import type { HttpRequest, HttpResponse, StreamInfo } from '../http/message.ts';
import type { ReplayBody } from '../http/replay-body.ts';
import type { ForwardOptions } from '../upstream/forward.ts';

export interface RouteCall<T> {
  readonly req: HttpRequest;
  /** The cluster this request goes to: chosen once, before the retry loop (Envoy: same cluster for every retry). */
  readonly target: T;
  /**
   * The request body's replay buffer (retries, mirror copies, and "request complete" for timers);
   * null for a request without a body or a route that needs none.
   */
  replay: ReplayBody | null;
  /** Set by the timeout stage: each attempt must carry an abort signal the route timeout can fire. */
  abortable: boolean;
  /**
   * What the route timeout aborts: the abort handle (AbortHandle) of the attempt in flight, or the retry
   * stage's back-off wait; null when nothing is waiting or nothing can be aborted.
   */
  inFlight: Abortable | null;
  /** The route timeout's error once it has fired: no further attempt may start. */
  expired: Error | null;
}

/** An attempt's AbortHandle (or an AbortController), or anything else that stops a wait with a reason. */
export interface Abortable {
  abort(reason: Error): void;
}

export type RouteService<T> = (call: RouteCall<T>) => Promise<HttpResponse>;
export type RouteLayer<T> = (inner: RouteService<T>) => RouteService<T>;

/** One attempt to one endpoint of `target`: `forward()` in the sidecar, a plain function in unit tests. */
export type Attempt<T> = (target: T, req: HttpRequest, opts: ForwardOptions) => Promise<HttpResponse>;

export function newRouteCall<T>(req: HttpRequest, target: T): RouteCall<T> {
  return { req, target, replay: null, abortable: false, inFlight: null, expired: null };
}

/** Adds an Envoy response flag to the stream's list ("DI", then "DI,FI"), the way rescue.ts combines them. */
export function addResponseFlag(info: StreamInfo, flag: string): void {
  const f = info.responseFlags;
  if (f === '') info.responseFlags = flag;
  else if (!f.split(',').includes(flag)) info.responseFlags = `${f},${flag}`;
}

/**
 * Runs `fn` once the whole downstream request has arrived (now, for a bodiless or already complete
 * request). Envoy starts the route timeout and each per-try timeout there, not when the headers
 * arrive, so a slow upload does not eat the upstream's time.
 */
export function whenRequestComplete(call: RouteCall<unknown>, fn: () => void): void {
  const replay = call.replay;
  if (replay === null) fn();
  else replay.onComplete(fn);
}

/** The request for the next attempt: the original for the first (its body streams), a copy with a replayed body after. */
export function attemptRequest(call: RouteCall<unknown>, first: boolean): HttpRequest {
  const req = call.req;
  const replay = call.replay;
  if (replay !== null) return { ...req, body: first ? replay.first() : replay.next() };
  if (first) return req;
  // No replay buffer: only a bodiless request is retried (route-pipeline.ts), and takeComplete()
  // marks a body consumed, so each retry gets a fresh empty one.
  return { ...req, body: Body.empty() };
}
