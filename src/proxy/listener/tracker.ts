/** ConnectionTracker: the downstream connections of a listener, so that a drain can close idle ones at once and wait for busy ones. */
import type { DownstreamConnection } from '../http/connection-manager.ts';

export class ConnectionTracker {
  #conns = new Set<DownstreamConnection>();
  #waiters: (() => void)[] = [];

  add(conn: DownstreamConnection): void {
    this.#conns.add(conn);
    conn.socket.once('close', () => {
      this.#conns.delete(conn);
      if (this.#conns.size === 0) for (const w of this.#waiters.splice(0)) w();
    });
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
