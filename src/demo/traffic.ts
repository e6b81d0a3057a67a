// The demo's external caller: paced GETs of /orders/<n> at api-gateway's app port (as an ingress would), every fifth one as a beta user, each outcome tallied.
import { Agent, request } from 'node:http';
import type { Outcome, RequestClass } from './tally.ts';

export interface TrafficOptions {
  /** api-gateway's app, e.g. http://127.0.0.1:41234 */
  readonly baseUrl: string;
  /** Requests per second. */
  readonly rate: number;
  /** Stop after this many requests (all classes). */
  readonly maxRequests?: number | undefined;
  /** Stop at this epoch time (ms). */
  readonly deadline?: number | undefined;
  readonly signal: AbortSignal;
  readonly onOutcome: (o: Outcome) => void;
  /** Called with a description of each failed request (status and body, or the network error). */
  readonly onFailure?: (detail: string) => void;
  /** At most this many requests in flight; pacing waits beyond. */
  readonly maxInFlight?: number;
}

const TICK_MS = 10;
const BETA_EVERY = 5;

/** Runs until a limit is reached or `signal` aborts; resolves once the last request has ended. */
export async function driveTraffic(o: TrafficOptions): Promise<void> {
  // Our own agent: the demo's calls never go through an environment proxy, and keep their connections.
  const agent = new Agent({ keepAlive: true, maxSockets: o.maxInFlight ?? 16 });
  const maxInFlight = o.maxInFlight ?? 16;
  const started = Date.now();
  let sent = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  try {
    await new Promise<void>((resolve) => {
      const finish = (): void => { clearInterval(ticker); o.signal.removeEventListener('abort', finish); resolve(); };
      const ticker = setInterval(() => {
        if ((o.maxRequests !== undefined && sent >= o.maxRequests) || (o.deadline !== undefined && Date.now() >= o.deadline)) return finish();
        const due = Math.floor(((Date.now() - started) * o.rate) / 1000) + 1;
        while (sent < due && inFlight < maxInFlight && (o.maxRequests === undefined || sent < o.maxRequests)) {
          const n = sent++;
          const cls: RequestClass = n % BETA_EVERY === BETA_EVERY - 1 ? 'beta' : 'normal';
          inFlight++;
          const p = callOnce(agent, o.baseUrl, 1000 + n, cls).then((r) => {
            inFlight--;
            pending.delete(p);
            if (o.signal.aborted) return;
            o.onOutcome({ cls, version: r.version });
            if (r.version === null) o.onFailure?.(r.detail);
          });
          pending.add(p);
        }
      }, TICK_MS);
      o.signal.addEventListener('abort', finish, { once: true });
      if (o.signal.aborted) finish();
    });
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
}

export type CallOutcome = { readonly version: string } | { readonly version: null; readonly detail: string };

/** One GET; resolves to the order-service version that answered, or to what went wrong. */
export function callOnce(agent: Agent, baseUrl: string, orderId: number, cls: RequestClass): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = cls === 'beta' ? { 'user-type': 'beta' } : {};
    const req = request(`${baseUrl}/orders/${orderId}`, { agent, headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        const version = res.statusCode === 200 ? versionOf(body) : null;
        resolve(version === null ? { version, detail: `${res.statusCode ?? '?'} ${body.slice(0, 400)}` } : { version });
      });
      res.on('error', (err) => resolve({ version: null, detail: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10s')));
    req.on('error', (err) => resolve({ version: null, detail: err.message }));
    req.end();
  });
}

/** `servedBy.version` of order-service's answer as api-gateway passes it on. */
export function versionOf(body: string): string | null {
  try {
    const v = (JSON.parse(body) as { servedBy?: { service?: unknown; version?: unknown } }).servedBy;
    return v?.service === 'order-service' && typeof v.version === 'string' ? v.version : null;
  } catch {
    return null;
  }
}
