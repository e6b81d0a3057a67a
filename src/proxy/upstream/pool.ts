/**
 * EndpointPool: the keep-alive HTTP/1.1 connections from one cluster to one endpoint (Envoy's
 * per-host connection pool), one request per connection at a time, within the cluster's
 * circuit-breaker budgets (circuit-breaker.ts).
 *
 *   acquire ─▶ idle connection (newest first) ─▶ attach
 *          └▶ none idle: queue (FIFO) ─▶ served by the next connection released or opened here
 *
 * Idle connections are reused last-in first-out (the warmest, the least likely to be closing)
 * and closed by a shared sweeper after an idle timeout shorter than the peer's, so the pool
 * rarely hands out a connection the peer is about to close. A connection that has carried
 * maxRequestsPerConnection requests is closed when its last exchange ends.
 *
 * Accounting invariants (each checked by the unit tests):
 * - limits.connections counts this pool's connections open or opening, each once: +1 when
 *   opening starts, −1 when it fails or when the connection leaves #all (discard is idempotent).
 * - limits.pending counts #waiters; limits.requests counts connections with `attached` set.
 */
import type { Socket } from 'node:net';
import type { Endpoint } from '../../model/proxy-config.ts';
import type { AttemptSignal } from './abort-handle.ts';
import { UpstreamConnection, type ConnectionOwner } from './connection.ts';
import { UpstreamConnectError, UpstreamResetError } from '../errors.ts';
import { IdleSweeper, type Sweepable } from './idle-sweeper.ts';
import { CircuitBreaker, type SlotWaiter } from './circuit-breaker.ts';
import type { HostMonitor, OutlierHost } from './outlier.ts';

/** Opens a transport to the endpoint; resolves once it can carry bytes (TCP connected, TLS handshaken). */
export type Connector = () => Promise<Socket>;

export interface PoolOptions {
  /** Close a connection idle this long (ms). */
  readonly idleTimeoutMs: number;
  /** Close a connection once it has carried this many requests; 0 or absent: unlimited. */
  readonly maxRequestsPerConnection?: number;
}

/** A request queued for a connection. */
interface Waiter {
  readonly resolve: (c: UpstreamConnection) => void;
  readonly reject: (e: unknown) => void;
  readonly signal: AttemptSignal | undefined;
  onAbort: (() => void) | null;
}

/** One sweeper per idle timeout value: every pool with that timeout shares its interval. */
const sweepers = new Map<number, IdleSweeper>();

function sweeperFor(idleTimeoutMs: number): IdleSweeper {
  let sw = sweepers.get(idleTimeoutMs);
  if (sw === undefined) sweepers.set(idleTimeoutMs, (sw = new IdleSweeper(idleTimeoutMs)));
  return sw;
}

export class EndpointPool implements ConnectionOwner, Sweepable, SlotWaiter, OutlierHost {
  /** "address:port": the upstream host in access logs, and what a retry's `exclude` names. */
  readonly key: string;
  /** Requests in flight through this endpoint, queued ones included (least-request balancing reads it). */
  active = 0;
  /** This endpoint's outlier state in its cluster; null when the cluster has no outlier detection. */
  outlier: HostMonitor | null = null;
  /** The ProxyConfig endpoint this pool reaches (its workload and labels, for telemetry); null for the local app (issue 5). */
  endpoint: Endpoint | null = null;
  readonly #limits: CircuitBreaker;
  /** Idle connections, oldest first (reuse takes the newest). */
  #idle: UpstreamConnection[] = [];
  /** Monotonic time each idle connection was released, parallel to #idle. */
  #idleSince: number[] = [];
  #sweeper: IdleSweeper;
  /** Connected connections, busy or idle. */
  #all = new Set<UpstreamConnection>();
  #connecting = 0;
  #waiters: Waiter[] = [];
  #connector: Connector;
  #maxPerConnection: number;
  #closed = false;
  #destroyed = false;
  /**
   * Issue 4 (certificate rotation): retire() starts a new generation; a connection whose connect
   * began in an older one (made with a replaced certificate) closes after its exchange instead
   * of being reused, including one whose handshake was in flight during the rotation.
   */
  #generation = 0;
  #bornIn = new WeakMap<UpstreamConnection, number>();

  constructor(key: string, connector: Connector, opts: PoolOptions, limits: CircuitBreaker = new CircuitBreaker(key)) {
    this.key = key;
    this.#connector = connector;
    this.#limits = limits;
    this.#maxPerConnection = opts.maxRequestsPerConnection ?? 0;
    this.#sweeper = sweeperFor(opts.idleTimeoutMs);
  }

  get limits(): CircuitBreaker { return this.#limits; }
  /** Connected connections (busy or idle). */
  get size(): number { return this.#all.size; }
  get idleCount(): number { return this.#idle.length; }
  get connectingCount(): number { return this.#connecting; }
  /** Requests queued for a connection of this pool. */
  get waiting(): number { return this.#waiters.length; }

  /** Options and connector of a new config version (the connect timeout lives in the connector). */
  configure(opts: PoolOptions, connector?: Connector): void {
    this.#maxPerConnection = opts.maxRequestsPerConnection ?? 0;
    if (connector !== undefined) this.#connector = connector;
    const sw = sweeperFor(opts.idleTimeoutMs);
    if (sw !== this.#sweeper) {
      if (this.#idle.length > 0) {
        this.#sweeper.delete(this);
        sw.add(this);
      }
      this.#sweeper = sw;
    }
  }

  /**
   * A connection for one request: an idle one, else a place in the queue (a connection is opened
   * for it when the cluster's budget allows). Rejects at once with OverflowError (503 UO) when
   * the cluster's requests or pending requests are at their limit, with UpstreamConnectError
   * when the connection the queue waited for could not be opened, and with the signal's reason
   * when it aborts while queued (the request then leaves the queue).
   */
  acquire(signal?: AttemptSignal): Promise<UpstreamConnection> {
    const limits = this.#limits;
    while (this.#idle.length > 0) {
      const c = this.#idle[this.#idle.length - 1]!;
      if (!c.closed && !limits.canAttach()) return Promise.reject(limits.overflow('max_requests'));
      this.#idle.pop();
      this.#idleSince.pop();
      if (this.#idle.length === 0) this.#sweeper.delete(this);
      if (!c.closed) return Promise.resolve(this.#attach(c));
    }
    if (this.#destroyed) return Promise.reject(new UpstreamResetError(this.key));
    if (!limits.canQueue()) return Promise.reject(limits.overflow('max_pending_requests'));
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise<UpstreamConnection>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal, onAbort: null };
      if (signal !== undefined) {
        w.onAbort = () => this.#cancel(w);
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.#waiters.push(w);
      limits.pending++;
      this.#maybeConnect();
    });
  }

  /**
   * Always a new connection, already attached: replaces, for the same request, a reused
   * connection that died before any response byte (the keep-alive race). It takes the slot the
   * dead connection just gave back, so it is counted but not refused.
   */
  async connect(): Promise<UpstreamConnection> {
    this.#limits.connections++;
    this.#connecting++;
    const generation = this.#generation;
    let socket: Socket;
    try {
      socket = await this.#connector();
    } catch (err) {
      this.#connecting--;
      this.#limits.connectionClosed(this);
      throw new UpstreamConnectError(this.key, err);
    }
    const conn = this.#adopt(socket, generation);
    if (this.#destroyed) {
      conn.destroy();
      this.discard(conn);
      throw new UpstreamResetError(this.key);
    }
    return this.#attach(conn);
  }

  // === ConnectionOwner ===

  /** The exchange on `conn` ended and the connection may carry another request. */
  release(conn: UpstreamConnection): void {
    this.#detach(conn);
    if (conn.closed) {
      this.discard(conn);
      return;
    }
    if (this.#isRetired(conn) || (this.#maxPerConnection > 0 && conn.served >= this.#maxPerConnection)) {
      // Envoy's max_requests_per_connection: the connection is drained after its last request.
      conn.destroy();
      this.discard(conn);
      return;
    }
    this.#dispatch(conn);
  }

  /** `conn` is gone (closed, errored, not reusable, or idle too long). Idempotent. */
  discard(conn: UpstreamConnection): void {
    this.#detach(conn);
    if (!this.#all.delete(conn)) return;
    const i = this.#idle.indexOf(conn);
    if (i !== -1) {
      this.#idle.splice(i, 1);
      this.#idleSince.splice(i, 1);
      if (this.#idle.length === 0) this.#sweeper.delete(this);
    }
    // The freed slot goes to this pool's queue first (Envoy: a pool that lost a connection while
    // requests wait opens another), then to other starved pools of the cluster.
    this.#limits.connectionClosed(this.#waiters.length > 0 ? this : null);
  }

  // === SlotWaiter ===

  onConnectionSlot(): void {
    if (!this.#destroyed) this.#maybeConnect();
  }

  // === Sweepable ===

  sweep(cutoff: number): void {
    let n = 0;
    while (n < this.#idle.length && this.#idleSince[n]! < cutoff) n++;
    if (n === 0) return;
    const expired = this.#idle.splice(0, n);
    this.#idleSince.splice(0, n);
    if (this.#idle.length === 0) this.#sweeper.delete(this);
    for (const c of expired) {
      c.destroy();
      this.discard(c);
    }
  }

  /** Stops reuse: idle connections close now, busy ones after their exchange; queued requests are still served. */
  close(): void {
    this.#closed = true;
    this.#dropIdle();
  }

  /** Closes every idle connection now (busy ones are left to finish their exchange). */
  #dropIdle(): void {
    const idle = this.#idle;
    this.#idle = [];
    this.#idleSince = [];
    this.#sweeper.delete(this);
    for (const c of idle) {
      c.destroy();
      this.discard(c);
    }
  }

  /**
   * Issue 4: the workload certificate rotated. Idle connections close now and busy ones after
   * their exchange, so later requests go over handshakes made with the new certificate, while
   * requests in flight finish on the old one. The pool stays open; nothing fails.
   */
  retire(): void {
    this.#generation++;
    this.#dropIdle();
  }

  /** Issue 4: made under a certificate that has since been replaced (see retire()). */
  #isRetired(conn: UpstreamConnection): boolean {
    return (this.#bornIn.get(conn) ?? this.#generation) < this.#generation;
  }

  /** Closes everything at once (shutdown): queued requests fail. */
  destroy(): void {
    this.#destroyed = true;
    this.close();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      this.#limits.pending--;
      this.#unlisten(w);
      w.reject(new UpstreamResetError(this.key));
    }
    for (const c of [...this.#all]) {
      c.destroy();
      this.discard(c);
    }
  }

  // === internals ===

  #attach(conn: UpstreamConnection): UpstreamConnection {
    conn.attached = true;
    this.#limits.requests++;
    return conn;
  }

  #detach(conn: UpstreamConnection): void {
    if (!conn.attached) return;
    conn.attached = false;
    this.#limits.requests--;
  }

  /** Opens connections while more requests are queued than connections are being opened for them (Envoy's shouldCreateNewConnection). */
  #maybeConnect(): void {
    while (this.#connecting < this.#waiters.length) {
      // Over the cluster's budget, a pool with no connection at all still opens one (Envoy does,
      // so that a host the balancer picked is never stuck behind other hosts' idle connections).
      if (!this.#limits.canConnect() && this.#all.size + this.#connecting > 0) {
        this.#limits.waitForSlot(this);
        return;
      }
      this.#open();
    }
  }

  #open(): void {
    this.#limits.connections++;
    this.#connecting++;
    let p: Promise<Socket>;
    try {
      p = this.#connector();
    } catch (err) {
      p = Promise.reject(err);
    }
    const generation = this.#generation;
    p.then((socket) => this.#onConnected(socket, generation), this.#onConnectFailed);
  }

  /** A connect finished: the socket becomes one of this pool's connections, of the certificate generation it was opened in. */
  #adopt(socket: Socket, generation: number): UpstreamConnection {
    this.#connecting--;
    const conn = new UpstreamConnection(socket, this.key, this);
    this.#bornIn.set(conn, generation);
    this.#all.add(conn);
    return conn;
  }

  #onConnected = (socket: Socket, generation: number): void => {
    const conn = this.#adopt(socket, generation);
    if (this.#destroyed) {
      conn.destroy();
      this.discard(conn);
      return;
    }
    this.#dispatch(conn);
  };

  #onConnectFailed = (err: unknown): void => {
    this.#connecting--;
    // Envoy purges every queued request of the pool on a connect failure: they fail now (503 UF)
    // instead of waiting behind a host that does not answer; a retry may pick another host.
    const waiters = this.#waiters;
    this.#waiters = [];
    this.#limits.connectionClosed(null);
    if (waiters.length === 0) return;
    const e = new UpstreamConnectError(this.key, err);
    for (const w of waiters) {
      this.#limits.pending--;
      this.#unlisten(w);
      w.reject(e);
    }
  };

  /** Hands a free connection to the oldest queued request, or parks it idle. */
  #dispatch(conn: UpstreamConnection): void {
    while (this.#waiters.length > 0) {
      const w = this.#waiters.shift()!;
      this.#limits.pending--;
      this.#unlisten(w);
      if (!this.#limits.canAttach()) {
        w.reject(this.#limits.overflow('max_requests'));
        continue;
      }
      w.resolve(this.#attach(conn));
      return;
    }
    if (this.#closed || this.#isRetired(conn)) {
      conn.destroy();
      this.discard(conn);
      return;
    }
    if (this.#idle.length === 0) this.#sweeper.add(this);
    this.#idle.push(conn);
    this.#idleSince.push(performance.now());
  }

  /** A queued request's signal aborted: it leaves the queue (a connection opened for it will serve the next one or go idle). */
  #cancel(w: Waiter): void {
    const i = this.#waiters.indexOf(w);
    if (i === -1) return;
    this.#waiters.splice(i, 1);
    this.#limits.pending--;
    w.onAbort = null;
    w.reject(w.signal!.reason);
  }

  #unlisten(w: Waiter): void {
    if (w.onAbort !== null) {
      w.signal!.removeEventListener('abort', w.onAbort);
      w.onAbort = null;
    }
  }
}
