/**
 * EndpointPool: keep-alive connections to one endpoint. Idle connections are reused last-in
 * first-out (the warmest first) and closed after an idle timeout shorter than the peer's, so
 * the pool rarely hands out a connection the peer is about to close.
 */
import type { Socket } from 'node:net';
import { UpstreamConnection, type ConnectionOwner } from './connection.ts';
import { UpstreamConnectError } from '../errors.ts';
import { IdleSweeper, type Sweepable } from './idle-sweeper.ts';

/** Opens a transport to the endpoint; resolves once it can carry bytes (TCP connected, TLS handshaken). */
export type Connector = () => Promise<Socket>;

export interface PoolOptions {
  /** Close a connection idle this long (ms). */
  readonly idleTimeoutMs: number;
}

/** One sweeper per idle timeout value: every pool with that timeout shares its interval. */
const sweepers = new Map<number, IdleSweeper>();

export class EndpointPool implements ConnectionOwner, Sweepable {
  readonly key: string;
  /** Requests in flight through this endpoint (least-request balancing reads it). */
  active = 0;
  /** Idle connections, oldest first (reuse takes the newest: the warmest, the least likely to be closing). */
  #idle: UpstreamConnection[] = [];
  /** Monotonic time each idle connection was released, parallel to #idle. */
  #idleSince: number[] = [];
  #sweeper: IdleSweeper;
  #all = new Set<UpstreamConnection>();
  #connector: Connector;
  #closed = false;

  constructor(key: string, connector: Connector, opts: PoolOptions) {
    this.key = key;
    this.#connector = connector;
    let sw = sweepers.get(opts.idleTimeoutMs);
    if (sw === undefined) sweepers.set(opts.idleTimeoutMs, (sw = new IdleSweeper(opts.idleTimeoutMs)));
    this.#sweeper = sw;
  }

  get size(): number { return this.#all.size; }
  get idleCount(): number { return this.#idle.length; }

  /** An idle connection if one is alive, else a new one. */
  async acquire(): Promise<UpstreamConnection> {
    while (this.#idle.length > 0) {
      const c = this.#idle.pop()!;
      this.#idleSince.pop();
      if (this.#idle.length === 0) this.#sweeper.delete(this);
      if (!c.closed) return c;
    }
    return this.connect();
  }

  /** Always a new connection (used to retry a request that lost a race with an idle close). */
  async connect(): Promise<UpstreamConnection> {
    let socket: Socket;
    try {
      socket = await this.#connector();
    } catch (err) {
      throw new UpstreamConnectError(this.key, err);
    }
    const conn = new UpstreamConnection(socket, this.key, this);
    this.#all.add(conn);
    if (this.#closed) {
      // Closed while connecting: serve this request, then the connection goes.
      socket.once('close', () => this.#all.delete(conn));
    }
    return conn;
  }

  release(conn: UpstreamConnection): void {
    if (this.#closed || conn.closed) {
      this.discard(conn);
      conn.destroy();
      return;
    }
    if (this.#idle.length === 0) this.#sweeper.add(this);
    this.#idle.push(conn);
    this.#idleSince.push(performance.now());
  }

  discard(conn: UpstreamConnection): void {
    this.#all.delete(conn);
    const i = this.#idle.indexOf(conn);
    if (i !== -1) {
      this.#idle.splice(i, 1);
      this.#idleSince.splice(i, 1);
      if (this.#idle.length === 0) this.#sweeper.delete(this);
    }
  }

  sweep(cutoff: number): void {
    let n = 0;
    while (n < this.#idle.length && this.#idleSince[n]! < cutoff) n++;
    if (n === 0) return;
    const expired = this.#idle.splice(0, n);
    this.#idleSince.splice(0, n);
    if (this.#idle.length === 0) this.#sweeper.delete(this);
    for (const c of expired) {
      this.#all.delete(c);
      c.destroy();
    }
  }

  /** Stops reuse: idle connections close now, busy ones after their exchange. */
  close(): void {
    this.#closed = true;
    for (const c of this.#idle) c.destroy();
    this.#idle = [];
    this.#idleSince = [];
    this.#sweeper.delete(this);
  }

  /** Closes everything at once. */
  destroy(): void {
    this.close();
    for (const c of this.#all) c.destroy();
    this.#all.clear();
  }
}
