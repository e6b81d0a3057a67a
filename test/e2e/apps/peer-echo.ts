// A plain node:http app that answers every request with who its sidecar said called: {"app":"peer-echo","name":$NAME,"xfcc":<x-forwarded-client-cert or null>}. Prints "peer-echo <name> up on <port>".
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
const name = process.env.NAME ?? 'peer-echo';

const server = createServer((req, res) => {
  const xfcc = req.headers['x-forwarded-client-cert'] ?? null;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ app: 'peer-echo', name, xfcc }));
});
server.keepAliveTimeout = 10_000;
server.listen(port, '127.0.0.1', () => console.log(`peer-echo ${name} up on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
