/**
 * forward: sends one attempt of a request to one endpoint of a cluster (balancer → pool →
 * connection) and returns the response as soon as its head arrives. Keeps the endpoint's
 * in-flight count for least-request balancing. A request that lost the race with an idle
 * connection closing (the peer closed it just as it was reused, before any response byte) is sent
 * again once on a fresh connection when it has no body, so keep-alive reuse never surfaces as a
 * spurious 503.
 *
 * Retries, timeouts and mirroring are route stages above this (filters/); this is one attempt.
 */
import { isCausedBy } from '../../lib/errors.ts';
import { Body } from '../http/body.ts';
import type { HttpRequest, HttpResponse } from '../http/message.ts';
import { NoHealthyUpstreamError, UpstreamResetError } from '../errors.ts';
import type { ClusterRuntime } from './cluster-manager.ts';
import type { EndpointPool } from './pool.ts';
import type { UpstreamConnection } from './connection.ts';

export interface ForwardOptions {
  /** Aborts the attempt (a timeout): the upstream connection is closed, the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Endpoint keys ("address:port") already tried by earlier attempts; avoided while others remain. */
  readonly exclude?: ReadonlySet<string>;
}

export async function forward(cluster: ClusterRuntime, req: HttpRequest, opts: ForwardOptions = {}): Promise<HttpResponse> {
  const pool = pickEndpoint(cluster, opts.exclude);
  if (pool === null) throw new NoHealthyUpstreamError(cluster.name);
  const info = req.info;
  info.upstreamCluster = cluster.name;
  info.upstreamHost = pool.key;
  info.upstreamStartMono = performance.now();
  pool.active++;
  let finished = false;
  const onDone = (): void => {
    if (finished) return;
    finished = true;
    pool.active--;
    info.upstreamEndMono = performance.now();
  };
  const signal = opts.signal;
  signal?.throwIfAborted();
  let conn: UpstreamConnection;
  try {
    conn = await pool.acquire();
  } catch (err) {
    onDone();
    throw err;
  }
  if (signal?.aborted) {
    pool.release(conn);
    onDone();
    throw signal.reason;
  }
  try {
    return await withAbort(conn, signal, conn.request(req.method, req.path, req.headers, req.body, onDone));
  } catch (err) {
    if (signal?.aborted || !(conn.failedBeforeResponse && req.body.length === 0 && isCausedBy(err, UpstreamResetError))) throw err;
    finished = false;
    pool.active++;
    return retryFresh(pool, req, onDone, signal);
  }
}

/** The balancer's pick among endpoints not tried yet, or among all when every one has been. */
function pickEndpoint(cluster: ClusterRuntime, exclude: ReadonlySet<string> | undefined): EndpointPool | null {
  if (exclude === undefined || exclude.size === 0) return cluster.balancer.pick(cluster.members, Math.random);
  const fresh = cluster.members.filter((m) => !exclude.has(m.key));
  return cluster.balancer.pick(fresh.length > 0 ? fresh : cluster.members, Math.random);
}

async function retryFresh(pool: EndpointPool, req: HttpRequest, onDone: () => void, signal: AbortSignal | undefined): Promise<HttpResponse> {
  let conn: UpstreamConnection;
  try {
    conn = await pool.connect();
  } catch (err) {
    onDone();
    throw err;
  }
  return withAbort(conn, signal, conn.request(req.method, req.path, req.headers, Body.empty(), onDone));
}

/** Closes the connection when the signal fires before the response head (the request then rejects with the reason). */
function withAbort(conn: UpstreamConnection, signal: AbortSignal | undefined, p: Promise<HttpResponse>): Promise<HttpResponse> {
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
