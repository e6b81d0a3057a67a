// Free TCP ports on 127.0.0.1, found by binding port 0; a reservation holds the port until the app is about to take it.
import { createServer, type Server } from 'node:net';

export interface PortReservation {
  readonly port: number;
  /** Lets the port go, for the process that will listen on it next. */
  release(): Promise<void>;
}

/**
 * Binds port 0 and keeps it bound. Holding it while the sidecar binds its own listeners (port 0
 * too) guarantees they do not get the app's port; only the short gap between release() and the
 * app's listen() is open to other processes.
 */
export function reservePort(host = '127.0.0.1'): Promise<PortReservation> {
  return new Promise((resolve, reject) => {
    const srv: Server = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      let released: Promise<void> | null = null;
      resolve({ port, release: () => (released ??= new Promise<void>((done) => srv.close(() => done()))) });
    });
  });
}

/** A port that was free a moment ago (another process may take it in between; tests and tools only). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const r = await reservePort(host);
  await r.release();
  return r.port;
}
