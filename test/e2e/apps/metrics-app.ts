// A plain node:http app with known behaviour for the metrics test: GET /work/<n> answers after $DELAY_MS, status 500 when n is a multiple of $FAIL_EVERY (else 200); GET /headers echoes the request's header names. Prints "metrics app up on <port>".
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
const delayMs = Number(process.env.DELAY_MS ?? '0');
const failEvery = Number(process.env.FAIL_EVERY ?? '0');
const version = process.env.VERSION ?? 'v1';

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://app');
  if (url.pathname === '/headers') {
    const body = JSON.stringify({ version, headers: Object.keys(req.headers) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    return;
  }
  const n = Number(/^\/work\/(\d+)$/.exec(url.pathname)?.[1] ?? '1');
  const status = failEvery > 0 && n % failEvery === 0 ? 500 : 200;
  setTimeout(() => {
    const body = JSON.stringify({ version, n, status });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }, delayMs);
});
server.listen(port, '127.0.0.1', () => console.log(`metrics app up on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
