// A plain node:http app for the streaming test, with no mesh code and never a whole body in memory: it hashes uploads as they arrive and streams downloads made on the fly.
//
//   POST /upload              → {"bytes":N,"sha256":"…"} of the request body
//   GET  /download?bytes=N    → N random bytes (chunked); when sent, prints `download <id> bytes=N sha256=…` on stdout
import { createHash, randomFillSync } from 'node:crypto';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;
const port = Number(process.env.PORT);
let downloads = 0;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://local');
  if (req.method === 'POST' && url.pathname === '/upload') {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => { bytes += c.length; hash.update(c); });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
    });
    return;
  }
  if (req.method === 'GET' && url.pathname === '/download') {
    const total = Number(url.searchParams.get('bytes') ?? '0');
    const id = ++downloads;
    const hash = createHash('sha256');
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent >= total) {
          this.push(null);
          return;
        }
        const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(CHUNK, total - sent)));
        sent += chunk.length;
        hash.update(chunk);
        this.push(chunk);
      },
    });
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    body.pipe(res);
    res.on('finish', () => console.log(`download ${id} bytes=${sent} sha256=${hash.digest('hex')}`));
    return;
  }
  res.writeHead(404).end();
});
server.listen(port, '127.0.0.1', () => console.log(`blob-server up on ${port}`));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
