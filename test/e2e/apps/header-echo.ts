// A plain node:http app that answers every request with the request's headers as JSON, so a test sees exactly what the sidecar handed the app (trace headers). Prints "header-echo up on <port>".
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
const server = createServer((req, res) => {
  const body = JSON.stringify({ app: 'header-echo', path: req.url, headers: req.headers });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`header-echo up on ${port}`));
process.once('SIGTERM', () => { server.close(); server.closeAllConnections(); process.exit(0); });
