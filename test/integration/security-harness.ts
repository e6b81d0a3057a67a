// In-process parts for the certificate-lifecycle and hardened-proxy tests: a control plane, a plain HTTP app, sidecars whose log lines are kept for assertions, requests through a sidecar, and the sidecar's /certs.
import * as http from 'node:http';
import * as https from 'node:https';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startControlPlane, type ControlPlaneOptions } from '../../src/controlplane/main.ts';
import type { Logger } from '../../src/lib/log.ts';
import { silentLogger } from '../../src/lib/log.ts';
import type { SecretDump } from '../../src/model/secret-dump.ts';
import { startProxy } from '../../src/proxy/main.ts';
import type { ProxyOptions, RunningProxy } from '../../src/proxy/options.ts';

export type ControlPlane = Awaited<ReturnType<typeof startControlPlane>>;

/** A pino logger whose JSON lines are kept in `lines` (parsed). */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function startCp(stateDir: string, extra: Partial<ControlPlaneOptions> = {}): Promise<ControlPlane> {
  return startControlPlane({ stateDir, port: 0, logger: silentLogger, ...extra });
}

/** A plain HTTP app answering JSON with what it saw (path, XFCC); `delayMs` makes each answer wait. */
export async function startApp(delayMs = 0): Promise<{ server: http.Server; port: number; close(): void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: req.url, xfcc: req.headers['x-forwarded-client-cert'] ?? null }));
      };
      if (delayMs > 0) setTimeout(answer, delayMs); else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

export interface SidecarSpec {
  readonly service: string;
  readonly appPort: number;
  readonly logger?: Logger;
  readonly extra?: Partial<ProxyOptions>;
}

export async function startSidecar(cp: ControlPlane, spec: SidecarSpec): Promise<RunningProxy> {
  const p = await startProxy({
    controlPlane: cp.url,
    controlPlaneCa: cp.rootCertPem,
    joinToken: cp.mintJoinToken('default', spec.service),
    namespace: 'default',
    workload: `${spec.service}-v1-test`,
    service: spec.service,
    serviceAccount: spec.service,
    labels: { app: spec.service, version: 'v1' },
    servicePort: 8080,
    appPort: spec.appPort,
    logger: spec.logger ?? silentLogger,
    accessLog: null,
    ...spec.extra,
  });
  await p.ready;
  return p;
}

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly error?: string;
}

/** One request in absolute form through a sidecar's outbound listener; never rejects (status 0 on failure). */
export function send(port: number, url: string, agent: http.Agent | false = false, timeoutMs = 10_000): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: url, headers: { host: new URL(url).host }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', (err) => resolve({ status: 0, body, headers: {}, error: err.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ status: 0, body: '', headers: {}, error: err.message }));
  });
}

/** Retries `url` until it answers 200 (the client learns the server's endpoint from a push). */
export async function untilOk(port: number, url: string, tries = 100): Promise<Reply> {
  let r = await send(port, url);
  for (let i = 0; i < tries && r.status !== 200; i++) {
    await sleep(100);
    r = await send(port, url);
  }
  return r;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The sidecar's admin /certs. */
export async function certsOf(p: RunningProxy): Promise<SecretDump> {
  const r = await new Promise<Reply>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: p.adminPort, path: '/certs', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject);
  });
  if (r.status !== 200) throw new Error(`/certs answered ${r.status}: ${r.body}`);
  return JSON.parse(r.body) as SecretDump;
}

/** GET an admin route of the control plane with its admin token. */
export function cpGet(cp: ControlPlane, p: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.get(new URL(p, cp.url), { ca: cp.rootCertPem, agent: false, headers: { authorization: `Bearer ${cp.adminToken}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      res.on('end', () => {
        let json: unknown = null;
        try { json = JSON.parse(body); } catch { json = body; }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
  });
}
