// Test harness for the control plane over real sockets: start one on port 0, call its API, read a proxy's push stream.
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import type { PushMessage, WorkloadRegistration } from '../../src/model/control-protocol.ts';
import type { ProxyConfig } from '../../src/model/proxy-config.ts';
import { startControlPlane, type RunningControlPlane } from '../../src/controlplane/main.ts';

/** The seed's canary, verbatim: the one copy in the tree is src/demo/canary.yaml. */
export const CANARY_YAML = readFileSync(new URL('../../src/demo/canary.yaml', import.meta.url), 'utf8');

export async function tempStateDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'weft-cp-'));
  return { dir: join(base, 'state'), remove: () => rm(base, { recursive: true, force: true }) };
}

export function start(stateDir: string, opts: { clock?: Clock; leaseTtlMs?: number } = {}): Promise<RunningControlPlane> {
  return startControlPlane({ stateDir, port: 0, logger: silentLogger, ...opts });
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly json: any;
  readonly text: string;
}

/** One HTTP call; a string body is sent as is, anything else as JSON. Always a fresh connection, so no socket outlives the test. */
export function call(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(new URL(path, base), { method, agent: false, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
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

  static open(base: string, proxyId: string): Promise<StreamClient> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(`/v1/proxies/${encodeURIComponent(proxyId)}/stream`, base), { agent: false }, (res) => resolve(new StreamClient(res)));
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
