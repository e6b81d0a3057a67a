/**
 * forward: sends a request to one endpoint of a cluster (balancer → pool → connection) and
 * returns the response as soon as its head arrives. Keeps the endpoint's in-flight count for
 * least-request balancing. A request that lost the race with an idle connection closing (the
 * peer closed it just as it was reused, before any response byte) is sent again once on a fresh
 * connection when it has no body, so keep-alive reuse never surfaces as a spurious 503.
 */
import { isCausedBy } from '../../lib/errors.ts';
import { Body } from '../http/body.ts';
import type { HttpRequest, HttpResponse } from '../http/message.ts';
import { NoHealthyUpstreamError, UpstreamResetError } from '../errors.ts';
import type { ClusterRuntime } from './cluster-manager.ts';
import type { EndpointPool } from './pool.ts';
import type { UpstreamConnection } from './connection.ts';

export async function forward(cluster: ClusterRuntime, req: HttpRequest): Promise<HttpResponse> {
  const pool = cluster.balancer.pick(cluster.members, Math.random);
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
  let conn: UpstreamConnection;
  try {
    conn = await pool.acquire();
  } catch (err) {
    onDone();
    throw err;
  }
  try {
    return await conn.request(req.method, req.path, req.headers, req.body, onDone);
  } catch (err) {
    if (!(conn.failedBeforeResponse && req.body.length === 0 && isCausedBy(err, UpstreamResetError))) throw err;
    finished = false;
    pool.active++;
    return retryFresh(pool, req, onDone);
  }
}

async function retryFresh(pool: EndpointPool, req: HttpRequest, onDone: () => void): Promise<HttpResponse> {
  let conn: UpstreamConnection;
  try {
    conn = await pool.connect();
  } catch (err) {
    onDone();
    throw err;
  }
  return conn.request(req.method, req.path, req.headers, Body.empty(), onDone);
}
