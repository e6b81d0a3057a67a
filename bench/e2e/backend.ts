// node bench/e2e/backend.ts [PORT] — the benchmark's backend: a minimal node:http server answering every request with a small fixed body; prints {"port":N} once listening.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The same bytes for every chain, so that only the path in between differs. */
export const BACKEND_BODY = Buffer.from('hello from the weft benchmark backend\n');

export function createBackend(): http.Server {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BACKEND_BODY.length });
    res.end(BACKEND_BODY);
  });
  // Longer than every proxy's upstream idle timeout, so a pooled connection is never closed under
  // a request by the backend (the pool closes first).
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  return server;
}

if (import.meta.main) {
  const server = createBackend();
  server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
