// A plain HTTP app for the runner tests: answers who it is on $PORT; SIGTERM makes it exit with $EXIT_ON_TERM when set (else the default: killed).
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ app: 'echo', path: req.url, version: process.env.VERSION ?? 'v1' }));
});
server.listen(port, '127.0.0.1', () => {
  console.log(`echo up on ${port} HTTP_PROXY=${process.env.HTTP_PROXY ?? ''} NO_PROXY=${process.env.NO_PROXY ?? ''} NODE_USE_ENV_PROXY=${process.env.NODE_USE_ENV_PROXY ?? ''}`);
});
const exitOnTerm = process.env.EXIT_ON_TERM;
if (exitOnTerm !== undefined) {
  process.on('SIGTERM', () => {
    console.log('echo got SIGTERM');
    server.close();
    process.exit(Number(exitOnTerm));
  });
}
