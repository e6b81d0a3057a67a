/**
 * EndpointPool: keep-alive connections to one endpoint. Idle connections are reused last-in
 * first-out (the warmest first) and closed after an idle timeout shorter than the peer's, so
 * the pool rarely hands out a connection the peer is about to close.
 */
import type { Socket } from 'node:net';
import { UpstreamConnection, type ConnectionOwner } from './connection.ts';
import { UpstreamConnectError } from '../errors.ts';

/** Opens a transport to the endpoint; resolves once it can carry bytes (TCP connected, TLS handshaken). */
export type Connector = () => Promise<Socket>;

export interface PoolOptions {
  /** Close a connection idle this long (ms). */
  readonly idleTimeoutMs: number;
}

export class EndpointPool implements ConnectionOwner {
  readonly key: string;
  /** Requests in flight through this endpoint (least-request balancing reads it). */
  active = 0;
  #idle: UpstreamConnection[] = [];
  #all = new Set<UpstreamConnection>();
  #connector: Connector;
  #opts: PoolOptions;
  #closed = false;

  constructor(key: string, connector: Connector, opts: PoolOptions) {
    this.key = key;
    this.#connector = connector;
    this.#opts = opts;
  }

  get size(): number { return this.#all.size; }
  get idleCount(): number { return this.#idle.length; }

  /** An idle connection if one is alive, else a new one. */
  async acquire(): Promise<UpstreamConnection> {
    while (this.#idle.length > 0) {
      const c = this.#idle.pop()!;
      if (!c.closed) {
        c.socket.setTimeout(0);
        return c;
      }
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
    conn.socket.setTimeout(this.#opts.idleTimeoutMs, () => {
      conn.destroy();
    });
    this.#idle.push(conn);
  }

  discard(conn: UpstreamConnection): void {
    this.#all.delete(conn);
    const i = this.#idle.indexOf(conn);
    if (i !== -1) this.#idle.splice(i, 1);
  }

  /** Stops reuse: idle connections close now, busy ones after their exchange. */
  close(): void {
    this.#closed = true;
    for (const c of this.#idle) c.destroy();
    this.#idle = [];
  }

  /** Closes everything at once. */
  destroy(): void {
    this.close();
    for (const c of this.#all) c.destroy();
    this.#all.clear();
  }
}
