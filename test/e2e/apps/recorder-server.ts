// A plain node:http app that records the Host, method and path of every request it receives and reports them on GET /_seen (asked on its own port, not through the mesh); $STATUS sets its answer, $HANG=1 makes it never answer.
//
// Answers JSON {"app":"recorder","name":$NAME,"host","path"} with status $STATUS (default 200).
// With HANG=1 it records the request and keeps it open until the caller leaves (a mirror that
// is alive but dead to the world). Prints "recorder <name> up on <port>".
import { createServer } from 'node:http';

interface Seen {
  readonly t: number;
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly bytes: number;
}

const port = Number(process.env.PORT);
const name = process.env.NAME ?? 'recorder';
const status = Number(process.env.STATUS ?? '200');
const hang = process.env.HANG === '1';
/** Bounded: the tests send at most a few thousand requests. */
const MAX_RECORDS = 20_000;
const seen: Seen[] = [];

const server = createServer((req, res) => {
  if (req.url === '/_seen') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, seen }));
    return;
  }
  const t = Date.now();
  let bytes = 0;
  req.on('data', (c: Buffer) => { bytes += c.length; });
  req.on('end', () => {
    if (seen.length < MAX_RECORDS) seen.push({ t, method: req.method ?? '', host: req.headers.host ?? '', path: req.url ?? '', bytes });
    if (hang) return;
    const body = JSON.stringify({ app: 'recorder', name, host: req.headers.host ?? '', path: req.url ?? '' });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`recorder ${name} up on ${port}${hang ? ' (never answering)' : ''}`);
});
