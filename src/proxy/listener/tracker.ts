/** ConnectionTracker: the downstream connections of a listener, so that a drain can close idle ones at once and wait for busy ones. */
import type { DownstreamConnection } from '../http/connection-manager.ts';
import { IdleSweeper, type Sweepable } from '../upstream/idle-sweeper.ts';

export class ConnectionTracker implements Sweepable {
  #conns = new Set<DownstreamConnection>();
  #waiters: (() => void)[] = [];
  #sweeper: IdleSweeper;

  /** Connections with no stream for `idleTimeoutMs` are closed. */
  constructor(idleTimeoutMs: number) {
    this.#sweeper = new IdleSweeper(idleTimeoutMs);
  }

  add(conn: DownstreamConnection): void {
    if (this.#conns.size === 0) this.#sweeper.add(this);
    this.#conns.add(conn);
    conn.socket.once('close', () => {
      this.#conns.delete(conn);
      if (this.#conns.size === 0) {
        this.#sweeper.delete(this);
        for (const w of this.#waiters.splice(0)) w();
      }
    });
  }

  sweep(cutoff: number): void {
    for (const c of this.#conns) c.closeIfIdleSince(cutoff);
  }

  get size(): number { return this.#conns.size; }

  /** Asks every connection to close once its stream in flight ends; resolves when all are gone or after `graceMs`, then destroys the rest. */
  async drain(graceMs: number): Promise<void> {
    for (const c of this.#conns) c.closeWhenIdle();
    if (this.#conns.size > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, graceMs);
        t.unref();
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    for (const c of this.#conns) c.socket.destroy();
  }
}
