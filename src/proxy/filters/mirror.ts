/**
 * The mirror stage (Envoy's request_mirror_policies, from Istio's http[].mirror / mirrors and
 * mirrorPercentage): for a share of requests, a copy goes to another cluster, fire-and-forget.
 *
 *   - The copy's Host gets "-shadow" appended before any port ("reviews:9080" → "reviews-shadow:9080"),
 *     Envoy's shadowAppendedHost, so the mirror's logs tell copies from real traffic.
 *   - The primary is sent first and never waits for, nor fails because of, the copy: the copy has
 *     its own StreamInfo (the primary's access log is untouched), its own signal and timer, and its
 *     answer is read and dropped; its errors are logged at debug and otherwise ignored.
 *   - The copy's body comes from the request's replay buffer (replay-body.ts), never from the
 *     primary's stream: it is sent once the whole request body has arrived, and only if it fit in
 *     the bound (64 KiB by default). A larger request is not mirrored (Envoy ≥ 1.29 streams shadow
 *     bodies instead; buffering keeps the primary free of the mirror's backpressure).
 *   - Bounded: a copy is aborted after the route timeout (15 s when the route has none, Envoy's
 *     default route timeout), and at most `maxInFlight` copies per route run at once (a dead mirror
 *     cannot pile up connections; further copies are skipped).
 *   - Shares may be fractional (Istio's mirrorPercentage.value is a double); each mirror of a route
 *     is drawn independently.
 */
import type { Clock, Timer } from '../../lib/clock.ts';
import { messageOf } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import type { MirrorPolicy } from '../../model/proxy-config.ts';
import { Body } from '../http/body.ts';
import { newStreamInfo, type HttpRequest, type HttpResponse } from '../http/message.ts';
import { UpstreamTimeoutError } from '../errors.ts';
import { AbortHandle } from '../upstream/abort-handle.ts';
import { Deadlines } from './deadlines.ts';
import { drawPercent } from './fault.ts';
import type { Attempt, RouteCall, RouteLayer, RouteService } from './route-call.ts';

export interface MirrorDeps<T> {
  readonly clock: Clock;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** The runtime cluster of a mirror's cluster name, looked up when the copy is sent (undefined: skipped). */
  readonly resolve: (cluster: string) => T | undefined;
  readonly attempt: Attempt<T>;
  readonly log: Logger;
  /** Copies of one route in flight at once; more are skipped. Default 256. */
  readonly maxInFlight?: number;
}

/** Envoy's default route timeout, the bound of a copy when its route has no timeout. */
export const DEFAULT_MIRROR_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_IN_FLIGHT = 256;

/** Envoy's rule: "-shadow" goes at the end of the host, before the port if there is one ("[::1]:80" → "[::1]-shadow:80"). */
export function shadowHost(host: string): string {
  const colon = host.lastIndexOf(':');
  const bracket = host.lastIndexOf(']');
  // No port: no colon, a colon inside an IPv6 literal, or a bare IPv6 address (several colons, no brackets).
  if (colon === -1 || bracket > colon || (bracket === -1 && host.indexOf(':') !== colon)) return `${host}-shadow`;
  return `${host.slice(0, colon)}-shadow${host.slice(colon)}`;
}

/** The copy's head: the request's fields with Host replaced in place. */
function shadowHeaders(headers: readonly string[], host: string): string[] {
  const out = headers.slice();
  for (let i = 0; i < out.length; i += 2) {
    if (out[i] === 'host') {
      out[i + 1] = host;
      return out;
    }
  }
  out.push('host', host);
  return out;
}

/** The mirror stage of one route, or null when no mirror can ever be chosen. */
export function mirrorLayer<T>(mirrors: readonly MirrorPolicy[], routeTimeoutMs: number | undefined, deps: MirrorDeps<T>): RouteLayer<T> | null {
  const active = mirrors.filter((m) => m.percent > 0);
  if (active.length === 0) return null;
  const { random, resolve, attempt, log } = deps;
  const maxInFlight = deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const timeoutMs = routeTimeoutMs !== undefined && routeTimeoutMs > 0 ? routeTimeoutMs : DEFAULT_MIRROR_TIMEOUT_MS;
  const deadlines = new Deadlines(deps.clock, timeoutMs);
  let inFlight = 0;

  /** Never throws: whatever goes wrong with a copy stays with the copy. */
  const send = (cluster: string, req: HttpRequest): void => {
    try {
      sendCopy(cluster, req);
    } catch (err) {
      log.debug({ cluster, err: messageOf(err) }, 'mirror copy failed (ignored)');
    }
  };

  const sendCopy = (cluster: string, req: HttpRequest): void => {
    const target = resolve(cluster);
    if (target === undefined) {
      log.debug({ cluster }, 'mirror cluster does not exist; copy not sent');
      return;
    }
    if (inFlight >= maxInFlight) {
      log.debug({ cluster, inFlight }, 'too many mirror copies in flight; copy not sent');
      return;
    }
    inFlight++;
    const ctrl = new AbortHandle();
    let body: Body | null = null;
    let finished = false;
    const finish = (err: unknown): void => {
      if (finished) return;
      finished = true;
      inFlight--;
      timer.cancel();
      if (err !== null) log.debug({ cluster, err: messageOf(err) }, 'mirror copy failed (ignored)');
    };
    const timer: Timer = deadlines.start({
      onDeadline: () => {
        const err = new UpstreamTimeoutError(timeoutMs, 'mirror request timeout');
        ctrl.abort(err);
        body?.cancel();
        finish(err);
      },
    });
    let sent: Promise<HttpResponse>;
    try {
      sent = attempt(target, req, { signal: ctrl.signal });
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (res) => {
        if (finished) {
          res.body.cancel();
          return;
        }
        body = res.body;
        // Read to the end and drop: the mirror's connection goes back to its pool.
        res.body.pipe({ write: () => true, end: () => finish(null), abort: (e) => finish(e) });
      },
      (err: unknown) => finish(err),
    );
  };

  const launch = (call: RouteCall<T>, cluster: string, headers: string[]): void => {
    const req = call.req;
    const primary = req.info;
    const make = (body: Body): HttpRequest => {
      const info = newStreamInfo('outbound', primary.downstreamRemoteAddress);
      info.requestId = primary.requestId;
      info.routeName = primary.routeName;
      return { method: req.method, authority: shadowHost(req.authority), path: req.path, scheme: req.scheme, headers, body, info };
    };
    if (req.body.length === 0) {
      send(cluster, make(Body.empty()));
      return;
    }
    const replay = call.replay;
    if (replay === null || !replay.replayable) {
      log.debug({ cluster }, 'request body larger than the replay buffer; not mirrored');
      return;
    }
    replay.onComplete(() => {
      const copy = replay.copy();
      if (copy === null) log.debug({ cluster }, 'request body larger than the replay buffer; not mirrored');
      else send(cluster, make(copy));
    });
  };

  return (inner: RouteService<T>): RouteService<T> => (call) => {
    // Draw and copy the head before the primary's stages touch it (the retry stage adds x-envoy-attempt-count).
    let chosen: [string, string[]][] | null = null;
    for (const m of active) {
      if (drawPercent(m.percent, random)) (chosen ??= []).push([m.cluster, shadowHeaders(call.req.headers, shadowHost(call.req.authority))]);
    }
    const primary = inner(call);
    if (chosen !== null) for (const [cluster, headers] of chosen) launch(call, cluster, headers);
    return primary;
  };
}
