/**
 * forward: sends one attempt of a request to one endpoint of a cluster (outlier-eligible
 * endpoints → balancer → pool within the circuit breaker → connection) and returns the response
 * as soon as its head arrives. Keeps the endpoint's in-flight count for least-request balancing
 * and feeds the attempt's outcome to the endpoint's outlier monitor. A request that lost the race
 * with an idle connection closing (the peer closed it just as it was reused, before any response
 * byte) is sent again once on a fresh connection when it has no body, so keep-alive reuse never
 * surfaces as a spurious 503.
 *
 * Outcomes fed to outlier detection (Envoy, split_external_local_origin_errors off): the response
 * status; a connect failure, reset or protocol error as 503; an abort whose reason is a timeout
 * (UpstreamTimeoutError, or a DOMException "TimeoutError") as 504 once the request was on a
 * connection. Circuit-breaker overflows and other aborts (the downstream went away) are not the
 * endpoint's fault and are not counted.
 *
 * Retries, timeouts and mirroring are route stages above this (filters/); this is one attempt.
 */
import { isCausedBy } from '../../lib/errors.ts';
import { Body } from '../http/body.ts';
import type { HttpRequest, HttpResponse } from '../http/message.ts';
import { DownstreamGoneError, NoHealthyUpstreamError, OverflowError, UpstreamResetError, UpstreamTimeoutError } from '../errors.ts';
import type { AttemptSignal } from './abort-handle.ts';
import type { ClusterRuntime } from './cluster-manager.ts';
import type { EndpointPool } from './pool.ts';
import type { UpstreamConnection } from './connection.ts';

export interface ForwardOptions {
  /** Aborts the attempt (a timeout): a queued request leaves the queue, a sent one has its connection closed; the promise rejects with the signal's reason. */
  readonly signal?: AttemptSignal;
  /** Endpoint keys ("address:port") already tried by earlier attempts; avoided while others remain. */
  readonly exclude?: ReadonlySet<string>;
}

const NO_OPTIONS: ForwardOptions = {};

export async function forward(cluster: ClusterRuntime, req: HttpRequest, opts: ForwardOptions = NO_OPTIONS): Promise<HttpResponse> {
  const pool = pickEndpoint(cluster, opts.exclude);
  if (pool === null) throw new NoHealthyUpstreamError(cluster.name);
  const info = req.info;
  info.upstreamCluster = cluster.name;
  info.upstreamHost = pool.key;
  info.upstreamEndpoint = pool.endpoint;
  info.upstreamStartMono = performance.now();
  const signal = opts.signal;
  signal?.throwIfAborted();
  pool.active++;
  let finished = false;
  const onDone = (): void => {
    if (finished) return;
    finished = true;
    pool.active--;
    info.upstreamEndMono = performance.now();
    info.upstreamConnection = null;
  };
  let conn: UpstreamConnection;
  try {
    conn = await pool.acquire(signal);
  } catch (err) {
    onDone();
    // Not yet on a connection: only a failure to connect is the endpoint's fault.
    if (pool.outlier !== null && !isAborted(signal) && isCausedBy(err, OverflowError) === null) pool.outlier.putStatus(503);
    throw err;
  }
  if (signal?.aborted === true) {
    pool.release(conn);
    onDone();
    throw signal.reason;
  }
  if (info.downstreamGone) {
    pool.release(conn);
    onDone();
    throw new DownstreamGoneError();
  }
  info.upstreamConnection = conn;
  info.upstreamLocalAddress = conn.localAddress;
  let res: HttpResponse;
  try {
    res = await withAbort(conn, signal, conn.request(req.method, req.path, req.headers, req.body, onDone));
  } catch (err) {
    if (isAborted(signal) || info.downstreamGone || !(conn.failedBeforeResponse && req.body.length === 0 && isCausedBy(err, UpstreamResetError) !== null)) {
      reportFailure(pool, signal, info);
      throw err;
    }
    // The reset connection is gone: make sure it no longer holds the request's place.
    if (conn.closed) pool.discard(conn);
    finished = false;
    pool.active++;
    try {
      res = await retryFresh(pool, req, onDone, signal);
    } catch (err2) {
      reportFailure(pool, signal, info);
      throw err2;
    }
  }
  pool.outlier?.putStatus(res.status);
  return res;
}

/** The balancer's pick among eligible endpoints not tried yet, or among all eligible when every one has been. */
function pickEndpoint(cluster: ClusterRuntime, exclude: ReadonlySet<string> | undefined): EndpointPool | null {
  const members = cluster.outlier === null ? cluster.members : cluster.outlier.eligible();
  if (exclude === undefined || exclude.size === 0) return cluster.balancer.pick(members, Math.random);
  const fresh = members.filter((m) => !exclude.has(m.key));
  return cluster.balancer.pick(fresh.length > 0 ? fresh : members, Math.random);
}

/** An attempt that was on a connection failed: a timeout counts as 504, anything else the endpoint did as 503. */
function reportFailure(pool: EndpointPool, signal: AttemptSignal | undefined, info: { readonly downstreamGone: boolean }): void {
  const monitor = pool.outlier;
  if (monitor === null || info.downstreamGone) return;
  if (isAborted(signal)) {
    if (isTimeout(signal!.reason)) monitor.putStatus(504);
    return;
  }
  monitor.putStatus(503);
}

/** Read through a call: the signal can abort while an attempt awaits (TypeScript would narrow a direct read). */
function isAborted(signal: AttemptSignal | undefined): boolean {
  return signal !== undefined && signal.aborted;
}

function isTimeout(reason: unknown): boolean {
  return isCausedBy(reason, UpstreamTimeoutError) !== null || (reason instanceof DOMException && reason.name === 'TimeoutError');
}

async function retryFresh(pool: EndpointPool, req: HttpRequest, onDone: () => void, signal: AttemptSignal | undefined): Promise<HttpResponse> {
  let conn: UpstreamConnection;
  try {
    conn = await pool.connect();
  } catch (err) {
    onDone();
    throw err;
  }
  req.info.upstreamLocalAddress = conn.localAddress;
  return withAbort(conn, signal, conn.request(req.method, req.path, req.headers, Body.empty(), onDone));
}

/** Closes the connection when the signal fires before the response head (the request then rejects with the reason). */
function withAbort(conn: UpstreamConnection, signal: AttemptSignal | undefined, p: Promise<HttpResponse>): Promise<HttpResponse> {
  if (signal === undefined) return p;
  return new Promise<HttpResponse>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason);
      conn.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (res) => {
        signal.removeEventListener('abort', onAbort);
        resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? signal.reason : err);
      },
    );
  });
}
