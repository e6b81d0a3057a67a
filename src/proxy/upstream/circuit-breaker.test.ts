// Circuit breaking in the pools: limits, the pending FIFO, aborts leaving the queue,
// maxRequestsPerConnection, connect failures and the retry budget — in process, over duplex
// pairs whose server side the test drives (no sockets, no timers, no sleeping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplexPair, type Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { Body } from '../http/body.ts';
import { OverflowError, UpstreamConnectError } from '../errors.ts';
import { CircuitBreaker, ISTIO_DEFAULT_THRESHOLDS, type Thresholds } from './circuit-breaker.ts';
import { EndpointPool } from './pool.ts';
import type { UpstreamConnection } from './connection.ts';

/** The far end of one upstream connection: counts request heads, answers on demand. */
class FakeServer {
  readonly socket: Duplex;
  requests = 0;
  constructor(socket: Duplex) {
    this.socket = socket;
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      let i: number;
      while ((i = text.indexOf('\r\n\r\n')) !== -1) {
        this.requests++;
        text = text.slice(i + 4);
      }
    });
    socket.on('error', () => {});
  }
  respond(status = 200): void {
    this.socket.write(`HTTP/1.1 ${status} X\r\ncontent-length: 2\r\n\r\nok`);
  }
}

/** A connector whose connections open only when the test says so. */
class Upstream {
  readonly servers: FakeServer[] = [];
  readonly #pending: { resolve: (s: Socket) => void; reject: (e: Error) => void }[] = [];
  attempts = 0;
  readonly connector = (): Promise<Socket> => {
    this.attempts++;
    return new Promise((resolve, reject) => this.#pending.push({ resolve, reject }));
  };
  get waitingToConnect(): number { return this.#pending.length; }
  /** Completes the oldest connect attempt. */
  accept(): FakeServer {
    const p = this.#pending.shift();
    assert.ok(p, 'a connect attempt is pending');
    const [client, server] = duplexPair();
    const s = new FakeServer(server);
    this.servers.push(s);
    p.resolve(client as unknown as Socket);
    return s;
  }
  refuse(): void {
    const p = this.#pending.shift();
    assert.ok(p, 'a connect attempt is pending');
    p.reject(new Error('ECONNREFUSED'));
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function limits(t: Partial<Thresholds>): CircuitBreaker {
  return new CircuitBreaker('outbound|8080||svc', { ...ISTIO_DEFAULT_THRESHOLDS, ...t });
}

/** Sends one request on `conn`; resolves with the status once the server answers and the body is read. */
async function exchange(conn: UpstreamConnection, server: FakeServer): Promise<number> {
  const p = conn.request('GET', '/', ['host', 'svc'], Body.empty(), () => {});
  await turn();
  server.respond();
  const res = await p;
  await res.body.collect();
  await turn();
  return res.status;
}

/** Records the outcome of an acquire without awaiting it. */
function track(p: Promise<UpstreamConnection>): { conn: UpstreamConnection | null; err: unknown; settled: boolean } {
  const t = { conn: null as UpstreamConnection | null, err: null as unknown, settled: false };
  p.then((c) => { t.conn = c; t.settled = true; }, (e: unknown) => { t.err = e; t.settled = true; });
  return t;
}

test('maxConnections 1, maxPendingRequests 1: one request queues, the next overflows at once with 503 UO', async () => {
  const up = new Upstream();
  const cb = limits({ maxConnections: 1, maxPendingRequests: 1 });
  const pool = new EndpointPool('10.0.0.1:80', up.connector, { idleTimeoutMs: 60_000 }, cb);
  const a = track(pool.acquire());
  assert.equal(cb.pending, 1, 'waiting for its connection counts as pending (Envoy)');
  assert.equal(cb.connections, 1);
  const b = track(pool.acquire());
  await turn();
  assert.ok(b.err instanceof OverflowError, 'second request overflows immediately');
  assert.equal((b.err as OverflowError).status, 503);
  assert.equal((b.err as OverflowError).flag, 'UO');
  assert.deepEqual((b.err as OverflowError).headers, ['x-envoy-overloaded', 'true']);
  assert.match((b.err as OverflowError).message, /max_pending_requests/);
  const srv = up.accept();
  await turn();
  assert.ok(a.conn !== null);
  assert.equal(cb.pending, 0);
  assert.equal(cb.requests, 1);
  // A third request waits: the only connection is busy and the cluster may not open another.
  const c = track(pool.acquire());
  assert.equal(up.waitingToConnect, 0, 'no second connection over maxConnections');
  assert.equal(cb.pending, 1);
  assert.equal(await exchange(a.conn, srv), 200);
  assert.equal(c.conn, a.conn, 'the queued request got the freed connection');
  assert.equal(await exchange(c.conn!, srv), 200);
  assert.equal(cb.requests, 0);
  assert.equal(cb.connections, 1);
  assert.equal(pool.idleCount, 1);
  assert.equal(srv.requests, 2);
  pool.destroy();
  await turn();
  assert.equal(cb.connections, 0);
});

test('queued requests are served first in, first out; an aborted one leaves the queue', async () => {
  const up = new Upstream();
  const cb = limits({ maxConnections: 1 });
  const pool = new EndpointPool('10.0.0.1:80', up.connector, { idleTimeoutMs: 60_000 }, cb);
  const first = track(pool.acquire());
  const srv = up.accept();
  await turn();
  const order: string[] = [];
  const ac = new AbortController();
  const w1 = pool.acquire().then((c) => { order.push('w1'); return c; });
  const w2 = track(pool.acquire(ac.signal));
  const w3 = pool.acquire().then((c) => { order.push('w3'); return c; });
  assert.equal(cb.pending, 3);
  assert.equal(pool.waiting, 3);
  ac.abort(new Error('per-try timeout'));
  await turn();
  assert.match(String(w2.err), /per-try timeout/, 'rejects with the signal reason');
  assert.equal(cb.pending, 2, 'left the queue');
  await exchange(first.conn!, srv);
  const c1 = await w1;
  await exchange(c1, srv);
  const c3 = await w3;
  await exchange(c3, srv);
  assert.deepEqual(order, ['w1', 'w3']);
  assert.equal(w2.conn, null, 'the aborted request never got a connection');
  assert.equal(cb.pending, 0);
  assert.equal(cb.requests, 0);
  assert.equal(srv.requests, 3);
  pool.destroy();
});

test('maxRequests: an idle connection is not attached past the limit', async () => {
  const up = new Upstream();
  const cb = limits({ maxRequests: 1 });
  const pool = new EndpointPool('10.0.0.1:80', up.connector, { idleTimeoutMs: 60_000 }, cb);
  const a = track(pool.acquire());
  const b = track(pool.acquire());
  const sa = up.accept();
  const sb = up.accept();
  await turn();
  // Both connections opened; only one request may hold one.
  assert.ok(a.conn !== null);
  assert.ok(b.err instanceof OverflowError);
  assert.match((b.err as Error).message, /max_requests/);
  assert.equal(pool.idleCount, 1);
  await assert.rejects(pool.acquire(), OverflowError, 'idle connection present, but the request budget is spent');
  await exchange(a.conn, sa);
  const c = await pool.acquire();
  assert.equal(cb.requests, 1);
  await exchange(c, c === a.conn ? sa : sb);
  assert.equal(cb.requests, 0);
  pool.destroy();
});

test('maxRequestsPerConnection closes a connection after N requests', async () => {
  const up = new Upstream();
  const cb = limits({});
  const pool = new EndpointPool('10.0.0.1:80', up.connector, { idleTimeoutMs: 60_000, maxRequestsPerConnection: 2 }, cb);
  const a = track(pool.acquire());
  const s1 = up.accept();
  await turn();
  await exchange(a.conn!, s1);
  const again = await pool.acquire();
  assert.equal(again, a.conn, 'reused once');
  await exchange(again, s1);
  await turn();
  assert.ok(again.closed, 'closed after its second request');
  assert.equal(pool.size, 0);
  assert.equal(cb.connections, 0);
  const next = track(pool.acquire());
  assert.equal(up.attempts, 2, 'the third request needs a new connection');
  const s2 = up.accept();
  await turn();
  await exchange(next.conn!, s2);
  assert.equal(s2.requests, 1);
  pool.destroy();
});

test('a connect failure fails every queued request of the pool with 503 UF and frees the budget', async () => {
  const up = new Upstream();
  const cb = limits({ maxConnections: 1 });
  const pool = new EndpointPool('10.0.0.1:80', up.connector, { idleTimeoutMs: 60_000 }, cb);
  const a = track(pool.acquire());
  const b = track(pool.acquire());
  up.refuse();
  await turn();
  for (const t of [a, b]) {
    assert.ok(t.err instanceof UpstreamConnectError);
    assert.equal((t.err as UpstreamConnectError).flag, 'UF');
  }
  assert.deepEqual([cb.connections, cb.pending, cb.requests], [0, 0, 0]);
  pool.destroy();
});

test('pools share the cluster budget; a pool with no connection still gets one; a freed slot wakes a starved pool', async () => {
  const upA = new Upstream();
  const upB = new Upstream();
  const cb = limits({ maxConnections: 2 });
  const a = new EndpointPool('10.0.0.1:80', upA.connector, { idleTimeoutMs: 60_000 }, cb);
  const b = new EndpointPool('10.0.0.2:80', upB.connector, { idleTimeoutMs: 60_000 }, cb);
  // A holds two connections: the cluster is at its limit.
  const a1 = track(a.acquire());
  const a2 = track(a.acquire());
  const sa1 = upA.accept();
  const sa2 = upA.accept();
  await turn();
  assert.equal(cb.connections, 2);
  // B has none: Envoy opens one anyway so the host the balancer picked is not starved.
  const b1 = track(b.acquire());
  assert.equal(upB.attempts, 1);
  assert.equal(cb.connections, 3);
  const sb1 = upB.accept();
  await turn();
  // B's second request must wait: B has a (busy) connection and the cluster is over its limit.
  const b2 = track(b.acquire());
  assert.equal(upB.attempts, 1);
  // A's first exchange ends and its connection idles; closing it frees a slot for B.
  await exchange(a1.conn!, sa1);
  assert.equal(cb.connections, 3);
  await exchange(a2.conn!, sa2);
  a.close();
  await turn();
  assert.equal(upB.attempts, 2, 'B opened its second connection once slots freed');
  const sb2 = upB.accept();
  await turn();
  assert.ok(b2.conn !== null && b2.conn !== b1.conn);
  await exchange(b1.conn!, sb1);
  await exchange(b2.conn!, sb2);
  assert.equal(cb.requests, 0);
  b.destroy();
  a.destroy();
  await turn();
  assert.equal(cb.connections, 0);
});

test('the retry budget (maxRetries) admits that many retries in flight', () => {
  const cb = limits({ maxRetries: 2 });
  assert.equal(cb.tryStartRetry(), true);
  assert.equal(cb.tryStartRetry(), true);
  assert.equal(cb.tryStartRetry(), false, 'third concurrent retry refused');
  cb.endRetry();
  assert.equal(cb.tryStartRetry(), true, 'a finished retry gives its unit back');
  cb.endRetry();
  cb.endRetry();
  cb.endRetry();
  assert.equal(cb.retries, 0, 'never below zero');
  assert.equal(new CircuitBreaker('x').tryStartRetry(), true, "Istio's default budget is effectively unlimited");
});

test('overflow errors are built once per limit and carry x-envoy-overloaded', () => {
  const cb = limits({});
  assert.equal(cb.overflow('max_pending_requests'), cb.overflow('max_pending_requests'));
  assert.notEqual(cb.overflow('max_pending_requests'), cb.overflow('max_requests'));
});
