// Traffic and evidence for the resilience end-to-end tests: requests through a sidecar's outbound listener (as an app behind HTTP_PROXY sends them) with status, headers and timing; the sidecars' access-log lines; the apps' own records; the seed fixtures and their pinned hashes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { ProxyConfig } from '../../../src/model/proxy-config.ts';
import { waitUntil, type Mesh, type Result, type Workload } from './mesh.ts';

/** Byte-for-byte copies of the seed's YAML blocks (never edited: each test pins its sha256). */
export const SEED_FIXTURES = fileURLToPath(new URL('../fixtures/seed/', import.meta.url));
/** The same shapes with shorter times or other hosts, each saying how it differs from its seed block. */
export const VARIANT_FIXTURES = fileURLToPath(new URL('../fixtures/variants/', import.meta.url));

/** What the client got: status 0 when it got no answer (then `error` says why). */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** From the request's start to the end of the response body (or the failure). */
  readonly ms: number;
  readonly error?: string;
}

export interface SendOptions {
  readonly agent?: Agent;
  readonly headers?: Readonly<Record<string, string>>;
  /** The client gives up (destroys the request) after this long; the reply then has status 0. Default 10 s. */
  readonly timeoutMs?: number;
  /** Default GET. */
  readonly method?: string;
  /** Sent with a content-length. */
  readonly body?: string;
}

/**
 * `url` (absolute, e.g. "http://user-service:8080/x") in absolute form through the
 * sidecar listening on `outboundPort`, as an HTTP_PROXY client sends it. Never rejects.
 */
export function send(outboundPort: number, url: string, opts: SendOptions = {}): Promise<Reply> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const start = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<Reply, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, ms: performance.now() - start });
    };
    // Host as an HTTP_PROXY client sends it: the authority of the absolute URL.
    const headers: Record<string, string> = { host: new URL(url).host, ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = request({ host: '127.0.0.1', port: outboundPort, method: opts.method ?? 'GET', path: url, headers, ...(opts.agent === undefined ? { agent: false } : { agent: opts.agent }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', (err) => done({ status: 0, headers: res.headers, body, error: `response error: ${err.message}` }));
    });
    // A wall-clock bound on the whole exchange, not an idle timeout: a delayed answer counts as none.
    const timer = setTimeout(() => {
      done({ status: 0, headers: {}, body: '', error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => done({ status: 0, headers: {}, body: '', error: `error: ${err.message}` }));
    req.end(opts.body);
  });
}

/** A keep-alive agent for one simulated client connection (or a few); destroy it in after(). */
export function keepAliveAgent(maxSockets = 1): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

/** `n` requests from `concurrency` loops (each on its own keep-alive connection); replies in request order. */
export async function sendMany(outboundPort: number, n: number, concurrency: number, urlOf: (i: number) => string, opts: SendOptions = {}): Promise<Reply[]> {
  const replies: Reply[] = new Array<Reply>(n);
  let next = 0;
  const agents: Agent[] = [];
  const loop = async (): Promise<void> => {
    const agent = opts.agent ?? keepAliveAgent();
    if (opts.agent === undefined) agents.push(agent);
    while (next < n) {
      const i = next++;
      replies[i] = await send(outboundPort, urlOf(i), { ...opts, agent });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, loop));
  } finally {
    for (const a of agents) a.destroy();
  }
  return replies;
}

/** "200 v1", "503 FI", "no answer: …": a reply in a word or two, for counts in failure messages. */
export function summary(r: Reply): string {
  if (r.status === 0) return `no answer (${r.error ?? '?'})`;
  const flags = r.headers['x-weft-response-flags'];
  if (flags !== undefined) return `${r.status} ${String(flags)}`;
  try {
    // flaky-server says its version, recorder-server its name.
    const body = JSON.parse(r.body) as { version?: unknown; name?: unknown };
    const v = body.version ?? body.name;
    if (typeof v === 'string') return `${r.status} ${v}`;
  } catch { /* not JSON */ }
  return String(r.status);
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const it of items) counts[key(it)] = (counts[key(it)] ?? 0) + 1;
  return counts;
}

/** The fields of a sidecar access-log line the tests read (Envoy's names). */
export interface AccessLogLine {
  readonly direction: 'inbound' | 'outbound';
  readonly method: string;
  readonly path: string;
  readonly response_code: number;
  /** "-" when none, else comma-separated flags ("UT", "DI,FI"). */
  readonly response_flags: string;
  readonly response_code_details?: string;
  readonly duration: number;
  readonly authority: string;
  readonly upstream_host?: string;
  readonly upstream_cluster?: string;
}

/** The flags of a line as a list ("-" → []). */
export const flagsOf = (l: AccessLogLine): string[] => (l.response_flags === '-' ? [] : l.response_flags.split(','));

/** Every complete access-log line the workload's sidecar wrote to its stderr (run it with accessLog: 'stderr'). */
export function accessLog(w: Workload): AccessLogLine[] {
  return w.output().stderr.split('\n')
    .filter((line) => line.startsWith('{"start_time"') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as AccessLogLine);
}

/**
 * Waits until the workload's access log has at least `count` lines matching `pick` (a line is
 * written once its stream ends, and reaches the pipe a moment after the response); returns them.
 */
export async function waitForLog(w: Workload, what: string, pick: (l: AccessLogLine) => boolean, count = 1, timeoutMs = 5_000): Promise<AccessLogLine[]> {
  return waitUntil(`${w.description}'s access log never had ${count} line(s) ${what}`, async () => {
    const lines = accessLog(w).filter(pick);
    return lines.length >= count ? { done: true, value: lines } : { done: false, last: `${lines.length} such lines` };
  }, timeoutMs, 50);
}

/** What a flaky-server app reports on GET /_seen. */
export interface FlakySeen {
  readonly version: string;
  readonly inFlight: number;
  readonly maxInFlight: number;
  readonly served: readonly { readonly t: number; readonly path: string; readonly host: string; readonly status: number | 'reset' | 'pending' | 'abandoned' }[];
}

/** What a recorder-server app reports on GET /_seen. */
export interface RecorderSeen {
  readonly name: string;
  readonly seen: readonly { readonly t: number; readonly method: string; readonly host: string; readonly path: string; readonly bytes: number }[];
}

/** GET /_seen from the workload's app on its own port (past the sidecar: the app's own record). */
export async function appSeen<T extends FlakySeen | RecorderSeen>(w: Workload): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${w.ports.app}/_seen`, { signal: AbortSignal.timeout(5000), headers: { connection: 'close' } });
  assert.equal(res.status, 200, `${w.description}: GET /_seen on its app port answered ${res.status}`);
  return (await res.json()) as T;
}

/** The ProxyConfig the sidecar serves now (null before its first). */
export async function proxyConfig(w: Workload): Promise<ProxyConfig | null> {
  return (await w.configDump()).config as unknown as ProxyConfig | null;
}

/** Waits until the sidecar's config satisfies `ok`; `what` names it for the failure ("… never had <what>"). */
export async function waitForConfig(w: Workload, what: string, ok: (c: ProxyConfig) => boolean, timeoutMs = 15_000): Promise<ProxyConfig> {
  return waitUntil(`${w.description}'s sidecar never had ${what}`, async () => {
    const c = await proxyConfig(w);
    return c !== null && ok(c) ? { done: true, value: c } : { done: false, last: c === null ? 'no config' : `config ${c.version}` };
  }, timeoutMs, 100);
}

/** The routes of the virtual host whose domains include `domain` ("user-service:8080"). */
export function routesFor(c: ProxyConfig, domain: string): ProxyConfig['virtualHosts'][number]['routes'] {
  return c.virtualHosts.find((vh) => vh.domains.includes(domain))?.routes ?? [];
}

/** The clusters of service `short` (e.g. "user-service" matches "outbound|8080||user-service.default.svc.cluster.local"). */
export function clustersOf(c: ProxyConfig, short: string): ProxyConfig['clusters'] {
  return c.clusters.filter((cl) => cl.service.split('.')[0] === short);
}

export async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/** `weft apply -f <files…>` against the mesh; asserts it succeeded and returns its result. */
export async function applyFiles(mesh: Mesh, ...files: string[]): Promise<Result> {
  const r = await mesh.weft(['apply', ...files.flatMap((f) => ['-f', f])]);
  assert.equal(r.code, 0, `weft apply ${files.map((f) => `-f ${f}`).join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

/** `weft apply -f -` with `yaml` on stdin; asserts it succeeded. */
export async function applyYaml(mesh: Mesh, yaml: string): Promise<Result> {
  const r = await mesh.weft(['apply', '-f', '-'], undefined, yaml);
  assert.equal(r.code, 0, `weft apply -f - exited ${r.code}\nstdin:\n${yaml}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

/** Asserts `weft apply` printed no "accepted but not yet enforced" warning (the fields do change traffic). */
export function assertEnforced(r: Result, what: string): void {
  const notYet = r.stderr.split('\n').filter((l) => /not yet enforced/.test(l));
  assert.deepEqual(notYet, [], `weft apply of ${what} still says fields are not yet enforced:\n${r.stderr}`);
}

/** An app that only keeps `weft run` alive: the tests send the client's requests through its sidecar. */
export const IDLE_APP_ARGS = ['-e', 'setInterval(() => {}, 1 << 30)'] as const;

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] ?? Number.NaN);
};

export const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN);
};
