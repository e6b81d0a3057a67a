// Test harness for the control plane over real sockets: start one on port 0, call its API with the credential each route wants (admin token, join token, the workload's client certificate), read a proxy's push stream over mTLS.
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import type { PushMessage, WorkloadRegistration } from '../../src/model/control-protocol.ts';
import type { ProxyConfig } from '../../src/model/proxy-config.ts';
import { startControlPlane, type RunningControlPlane } from '../../src/controlplane/main.ts';
import { x509 } from '../../src/lib/x509.ts';
import { createCsr, generateWorkloadKey } from '../../src/proxy/transport/csr.ts';

/** The seed's canary, verbatim: the one copy in the tree is src/demo/canary.yaml. */
export const CANARY_YAML = readFileSync(new URL('../../src/demo/canary.yaml', import.meta.url), 'utf8');

export async function tempStateDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'weft-cp-'));
  return { dir: join(base, 'state'), remove: () => rm(base, { recursive: true, force: true }) };
}

/** What `call` needs to know of a control plane: its credentials, and how to mint join tokens. */
interface KnownPlane {
  readonly adminToken: string;
  readonly rootCertPem: string;
  mintJoinToken(namespace: string, serviceAccount: string, ttlMs?: number): string | Promise<string>;
}

/** Every control plane this process knows, by URL origin: whose credentials `call` uses. */
const planes = new Map<string, KnownPlane>();

export async function start(stateDir: string, opts: { clock?: Clock; leaseTtlMs?: number } = {}): Promise<RunningControlPlane> {
  const cp = await startControlPlane({ stateDir, port: 0, logger: silentLogger, ...opts });
  planes.set(cp.url, cp);
  return cp;
}

/** A control plane started some other way, so that `call` knows its credentials. */
export function remember(cp: RunningControlPlane): RunningControlPlane {
  planes.set(cp.url, cp);
  return cp;
}

/**
 * A control plane running in another process (`weft control-plane --state-dir DIR`): its
 * credentials are read from the state directory, as the CLI reads them; join tokens are minted
 * through POST /v1/tokens.
 */
export function rememberStateDir(url: string, stateDir: string): void {
  const origin = new URL(url).origin;
  planes.set(origin, {
    adminToken: readFileSync(join(stateDir, 'admin-token'), 'utf8').trim(),
    rootCertPem: readFileSync(join(stateDir, 'root-cert.pem'), 'utf8'),
    async mintJoinToken(namespace, serviceAccount, ttlMs = 3_600_000) {
      const r = await call(url, 'POST', '/v1/tokens', { namespace, serviceAccount, ttlMs });
      if (r.status !== 200) throw new Error(`cannot mint a join token: ${r.status} ${r.text}`);
      return r.json.token as string;
    },
  });
}

function planeOf(base: string): KnownPlane {
  const cp = planes.get(new URL(base).origin);
  if (cp === undefined) throw new Error(`no control plane started at ${base} by this harness (start() or remember() it)`);
  return cp;
}

/**
 * How a call authenticates. Default ('auto'): what the route's class asks for — the admin token
 * for CLI routes, a join token for the identity a registration or CSR names, and the workload's
 * own client certificate for lease, deregistration, stream and ACK routes.
 */
export type CallAuth =
  | 'auto'
  | 'none'
  | { readonly bearer: string }
  | { readonly cert: { readonly keyPem: string; readonly certPem: string } };

const certCache = new Map<string, Promise<{ keyPem: string; certPem: string }>>();

/** A client certificate for `namespace/serviceAccount` from this control plane (cached per URL and identity). */
export function workloadCert(base: string, namespace: string, serviceAccount: string): Promise<{ keyPem: string; certPem: string }> {
  const key = `${base} ${namespace} ${serviceAccount}`;
  let p = certCache.get(key);
  if (p === undefined) {
    p = (async () => {
      const cp = planeOf(base);
      const k = generateWorkloadKey();
      const csr = createCsr(k, `spiffe://cluster.local/ns/${namespace}/sa/${serviceAccount}`);
      const r = await call(base, 'POST', '/v1/certificates', { csr }, { bearer: await cp.mintJoinToken(namespace, serviceAccount) });
      if (r.status !== 200) throw new Error(`no certificate for ${namespace}/${serviceAccount}: ${r.status} ${r.text}`);
      return { keyPem: k.keyPem, certPem: (r.json.certChain as string[]).join('') };
    })();
    certCache.set(key, p);
  }
  return p;
}

async function autoAuth(base: string, method: string, path: string, body: unknown): Promise<CallAuth> {
  const cp = planeOf(base);
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (method === 'POST' && /^\/v1\/workloads\/?$/.test(path)) {
    return { bearer: await cp.mintJoinToken(typeof o.namespace === 'string' ? o.namespace : 'default', typeof o.serviceAccount === 'string' ? o.serviceAccount : 'default') };
  }
  if (method === 'POST' && /^\/v1\/certificates\/?$/.test(path)) {
    let ns = 'default';
    let sa = 'default';
    try {
      const san = new x509.Pkcs10CertificateRequest(String(o.csr)).getExtensions('2.5.29.17')[0] as x509.SubjectAlternativeNameExtension | undefined;
      const uri = san?.names.items[0]?.value ?? '';
      const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(uri);
      if (m !== null) [ns, sa] = [m[1]!, m[2]!];
    } catch {
      // Not a CSR: any valid token gets the CA's 400.
    }
    return { bearer: await cp.mintJoinToken(ns, sa) };
  }
  const m = /^\/v1\/workloads\/([^/]+)\/([^/]+)(\/lease)?$/.exec(path) ?? /^\/v1\/proxies\/([^/]+)\/(stream|ack)$/.exec(path);
  if (m !== null) {
    let ns: string;
    let name: string;
    if (path.startsWith('/v1/proxies/')) {
      const id = decodeURIComponent(m[1]!);
      const dot = id.indexOf('.');
      [name, ns] = dot < 0 ? [id, 'default'] : [id.slice(0, dot), id.slice(dot + 1)];
    } else {
      [ns, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    }
    const listed = await call(base, 'GET', '/v1/workloads');
    const w = (listed.json?.workloads as { namespace: string; name: string; serviceAccount: string }[] | undefined)?.find((x) => x.namespace === ns && x.name === name);
    return { cert: await workloadCert(base, ns, w?.serviceAccount ?? name) };
  }
  return { bearer: cp.adminToken };
}

function tlsOptions(base: string, auth: Exclude<CallAuth, 'auto'>): { ca: string; key?: string; cert?: string; headers: Record<string, string> } {
  const ca = planeOf(base).rootCertPem;
  if (auth === 'none') return { ca, headers: {} };
  if ('bearer' in auth) return { ca, headers: { authorization: `Bearer ${auth.bearer}` } };
  return { ca, key: auth.cert.keyPem, cert: auth.cert.certPem, headers: {} };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly json: any;
  readonly text: string;
}

/** One HTTPS call; a string body is sent as is, anything else as JSON. Always a fresh connection, so no socket outlives the test. */
export async function call(base: string, method: string, path: string, body?: unknown, auth: CallAuth = 'auto'): Promise<Reply> {
  const resolved = auth === 'auto' ? await autoAuth(base, method, path.split('?')[0]!, body) : auth;
  const { headers, ...tls } = tlsOptions(base, resolved as Exclude<CallAuth, 'auto'>);
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(new URL(path, base), { method, agent: false, ...tls, headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = text === '' ? null : JSON.parse(text);
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export function applyYaml(base: string, text: string, name = 'canary.yaml', path = '/v1/apply'): Promise<Reply> {
  return call(base, 'POST', path, { sources: [{ name, text }] });
}

export function registration(name: string, over: Partial<WorkloadRegistration> = {}): WorkloadRegistration {
  const service = over.service ?? 'order-service';
  const version = name.includes('v2') ? 'v2' : 'v1';
  return {
    name,
    namespace: 'default',
    service,
    labels: { app: service, version },
    serviceAccount: service,
    address: '127.0.0.1',
    ports: [{ port: 8080, targetPort: 20000 + Math.floor(Math.random() * 10000), protocol: 'http' }],
    ...over,
  };
}

type Snapshot = Extract<PushMessage, { type: 'snapshot' }>;

/** A proxy's push stream, read line by line. */
export class StreamClient {
  readonly status: number;
  readonly contentType: string | undefined;
  #res: IncomingMessage;
  #lines: PushMessage[] = [];
  #waiters: (() => void)[] = [];
  #ended = false;
  #buf = '';
  /** The error body when the status is not 200. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  errorBody: any = null;

  private constructor(res: IncomingMessage) {
    this.#res = res;
    this.status = res.statusCode ?? 0;
    this.contentType = res.headers['content-type'];
    res.on('data', (c: Buffer) => {
      this.#buf += c.toString('utf8');
      let nl: number;
      while ((nl = this.#buf.indexOf('\n')) >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        if (this.status === 200) this.#lines.push(JSON.parse(line) as PushMessage);
        else this.errorBody = JSON.parse(line);
      }
      this.#wake();
    });
    const end = () => {
      this.#ended = true;
      this.#wake();
    };
    res.on('end', end);
    res.on('close', end);
    res.on('error', end);
  }

  static async open(base: string, proxyId: string, auth: CallAuth = 'auto'): Promise<StreamClient> {
    const path = `/v1/proxies/${encodeURIComponent(proxyId)}/stream`;
    const resolved = auth === 'auto' ? await autoAuth(base, 'GET', path, undefined) : auth;
    const { headers, ...tls } = tlsOptions(base, resolved as Exclude<CallAuth, 'auto'>);
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, base), { agent: false, ...tls, headers }, (res) => resolve(new StreamClient(res)));
      req.on('error', reject);
      req.end();
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Messages received and not yet taken. */
  get buffered(): number {
    return this.#lines.length;
  }

  /** The next message (pings included); rejects after `timeoutMs` of real time or at end of stream. */
  async next(timeoutMs = 5000): Promise<PushMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.#lines.shift();
      if (m !== undefined) return m;
      if (this.#ended) throw new Error('push stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no push message within ${timeoutMs} ms`);
      await new Promise<void>((wake) => {
        const t = setTimeout(wake, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          wake();
        });
      });
    }
  }

  /** The next snapshot, skipping pings. */
  async nextSnapshot(timeoutMs = 5000): Promise<Snapshot> {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (m.type === 'snapshot') return m;
    }
  }

  /** Resolves when the server ends the stream. */
  async waitEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) {
      if (Date.now() > deadline) throw new Error('push stream did not end');
      try {
        await this.next(Math.max(1, deadline - Date.now()));
      } catch {
        // End of stream or timeout: the loop condition decides.
      }
    }
  }

  close(): void {
    this.#res.destroy();
  }

  #wake(): void {
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w();
  }
}

/** The endpoints' workload names (sorted: the compiler orders endpoints by address and port) per cluster name, for compact assertions. */
export function endpointsByCluster(config: ProxyConfig): Record<string, string[]> {
  return Object.fromEntries(config.clusters.map((c) => [c.name, c.endpoints.map((e) => e.workload).sort()]));
}
