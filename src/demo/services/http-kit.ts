// What the demo services share, and nothing of a mesh: JSON over node:http, plain fetch by service name, the headers a traced request carries along.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** Set by `weft demo` for each workload; a service started by hand is v1. */
export const VERSION = process.env.VERSION ?? 'v1';

/**
 * Headers a service copies from its inbound request to the calls it makes: `user-type` (the
 * canary's match key) and the trace context, so that a mesh can join the spans (Istio asks
 * applications to do exactly this).
 */
const PROPAGATED = ['user-type', 'x-request-id', 'traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags', 'x-ot-span-context'];

export function propagatedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED) {
    const v = req.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export type CallResult =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly status: number; readonly error: string; readonly upstream?: unknown };

/** GETs JSON from another service; any failure (network, status, not JSON) is a value, never a throw. */
export async function getJson(service: string, url: string, headers: Record<string, string>, timeoutMs = 5000): Promise<CallResult> {
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return { ok: false, status: 502, error: `${service} unreachable: ${rootCause(err)}` };
  }
  const text = await res.text().catch(() => '');
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* kept as text */ }
  if (!res.ok) return { ok: false, status: 502, error: `${service} answered ${res.status}`, upstream: body };
  if (typeof body !== 'object' || body === null) return { ok: false, status: 502, error: `${service} answered something other than JSON` };
  return { ok: true, body };
}

/** fetch wraps the real reason ("connect ECONNREFUSED …") a few causes deep; that one is worth printing. */
function rootCause(err: unknown): string {
  let cur = err;
  for (let i = 0; i < 8; i++) {
    const next = (cur as { cause?: unknown }).cause;
    if (!(next instanceof Error)) break;
    cur = next;
  }
  return cur instanceof Error ? cur.message : String(cur);
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

/**
 * Serves `handler` on 127.0.0.1:$PORT with /healthz, a JSON 404, a JSON 500 for anything thrown,
 * and a clean exit on SIGTERM/SIGINT.
 */
export function serve(service: string, handler: Handler): void {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) {
    console.error(`${service}: set PORT to the port to listen on (weft run does)`);
    process.exit(2);
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok', service, version: VERSION });
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: `${service} failed: ${(err as Error).message}`, servedBy: { service, version: VERSION } });
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => console.log(`${service} ${VERSION} listening on 127.0.0.1:${port}`));
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export function notFound(res: ServerResponse, service: string, url: URL): void {
  sendJson(res, 404, { error: `${service} has no ${url.pathname}`, servedBy: { service, version: VERSION } });
}
