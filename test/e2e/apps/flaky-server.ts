// A plain node:http app that fails on request, for the resilience tests: the path chooses the failure (per-key counters), $FAIL_STATUS makes every answer fail, and GET /_seen (asked on its own port, not through the mesh) lists what it served.
//
//   /fail-then-ok/<key>?fails=2&status=503   the first `fails` requests of <key> answer `status`, later ones 200
//   /reset/<key>?times=1                     the first `times` requests of <key> get their connection destroyed, no answer
//   /hang/<key>?times=1&ms=1500              the first `times` requests of <key> are answered 200 only after `ms`
//   /slow?ms=300                             every request answered 200 after `ms`
//   anything else                            200 at once
//   GET /_seen                               {"version", "inFlight", "maxInFlight", "served": [{"t","path","host","status"}]}
//
// Every answer is JSON {"app":"flaky","version":$VERSION,"path","attempt"} (attempt: the request's
// number within its key, 1-based). With $FAIL_STATUS set, every request but /_seen answers that
// status at once (an always-failing replica). Prints "flaky up on <port>".
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Served {
  /** Arrival time, Date.now() of this host. */
  readonly t: number;
  readonly path: string;
  readonly host: string;
  /** The status answered, "reset", or "pending" while it is not answered yet (or its caller left). */
  status: number | 'reset' | 'pending' | 'abandoned';
}

const port = Number(process.env.PORT);
const version = process.env.VERSION ?? 'v1';
const failStatus = process.env.FAIL_STATUS === undefined ? null : Number(process.env.FAIL_STATUS);
/** Bounded: the tests send at most a few thousand requests to one replica. */
const MAX_RECORDS = 20_000;

const served: Served[] = [];
const perKey = new Map<string, number>();
let inFlight = 0;
let maxInFlight = 0;

function answer(res: ServerResponse, rec: Served, status: number, path: string, attempt: number): void {
  if (res.destroyed) return;
  rec.status = status;
  const body = JSON.stringify({ app: 'flaky', version, path, attempt });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://app');
  if (url.pathname === '/_seen') {
    const body = JSON.stringify({ version, inFlight, maxInFlight, served });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const rec: Served = { t: Date.now(), path: url.pathname + url.search, host: req.headers.host ?? '', status: 'pending' };
  if (served.length < MAX_RECORDS) served.push(rec);
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  let counted = true;
  const leave = (): void => {
    if (!counted) return;
    counted = false;
    inFlight--;
  };
  res.on('close', () => {
    if (rec.status === 'pending') rec.status = 'abandoned';
    leave();
  });

  const [, kind = '', key = ''] = url.pathname.split('/');
  const attempt = key === '' ? 1 : (perKey.get(`${kind}/${key}`) ?? 0) + 1;
  if (key !== '') perKey.set(`${kind}/${key}`, attempt);
  const num = (name: string, dflt: number): number => {
    const v = url.searchParams.get(name);
    return v === null ? dflt : Number(v);
  };

  if (failStatus !== null) return answer(res, rec, failStatus, url.pathname, attempt);
  switch (kind) {
    case 'fail-then-ok':
      return answer(res, rec, attempt <= num('fails', 1) ? num('status', 503) : 200, url.pathname, attempt);
    case 'reset':
      if (attempt <= num('times', 1)) {
        rec.status = 'reset';
        req.socket.destroy();
        return;
      }
      return answer(res, rec, 200, url.pathname, attempt);
    case 'hang':
      if (attempt <= num('times', 1)) return later(res, rec, num('ms', 1500), url.pathname, attempt);
      return answer(res, rec, 200, url.pathname, attempt);
    case 'slow':
      return later(res, rec, num('ms', 300), url.pathname, attempt);
    default:
      return answer(res, rec, 200, url.pathname, attempt);
  }
}

/** Answers 200 after `ms`, unless the caller goes away first (then the timer is dropped). */
function later(res: ServerResponse, rec: Served, ms: number, path: string, attempt: number): void {
  const timer = setTimeout(() => answer(res, rec, 200, path, attempt), ms);
  res.on('close', () => clearTimeout(timer));
}

const server = createServer(handle);
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`flaky up on ${port} version ${version}${failStatus === null ? '' : ` failing with ${failStatus}`}`);
});
