// The route stages over real loopback sockets (no TLS, no control plane): the outbound listener,
// the router with its per-route pipelines, the real forward() and pools, and node:http backends
// that fail on purpose — retries, per-try and route timeouts, body replay, mirroring.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigState } from '../../src/proxy/config-client/apply.ts';
import { ClusterManager } from '../../src/proxy/upstream/cluster-manager.ts';
import { startOutboundListener } from '../../src/proxy/listener/outbound.ts';
import { createRescue } from '../../src/proxy/rescue.ts';
import type { StreamRecord } from '../../src/proxy/http/connection-manager.ts';
import type { ProxyConfig, RetryPolicy, Route, VirtualHost } from '../../src/model/proxy-config.ts';

interface Seen {
  readonly key: string;
  readonly host: string;
  readonly attempt: string | undefined;
  readonly body: string;
}

let backend: http.Server;
let shadow: http.Server;
let proxy: Awaited<ReturnType<typeof startOutboundListener>>;
let proxyPort: number;
let clusters: ClusterManager;
const seen: Seen[] = [];
const shadowSeen: Seen[] = [];
const records: StreamRecord[] = [];
const hanging = new Set<http.ServerResponse>();

/** How the backend answers the n-th request (1-based) for a test key. */
const behaviour: Record<string, (n: number, req: http.IncomingMessage, res: http.ServerResponse, body: string) => void> = {
  flaky: (n, _req, res) => {
    res.writeHead(n <= 2 ? 503 : 200, { 'content-type': 'text/plain' });
    res.end(n <= 2 ? 'unavailable, try again' : 'ok after retries');
  },
  reset: (n, req, res) => {
    if (n === 1) {
      req.socket.destroy();
      return;
    }
    res.end('ok after a reset');
  },
  slow: (n, _req, res) => {
    if (n === 1) {
      hanging.add(res);
      return;
    }
    res.end('the second attempt');
  },
  hang: (_n, _req, res) => { hanging.add(res); },
  post: (n, _req, res, body) => {
    res.writeHead(n === 1 ? 503 : 200);
    res.end(`got ${body.length} bytes: ${body.slice(0, 20)}`);
  },
  always503: (_n, _req, res) => {
    res.writeHead(503);
    res.end('no');
  },
  plain: (_n, _req, res) => { res.end('plain'); },
};
const counts = new Map<string, number>();

function recordingServer(into: Seen[], answer: boolean): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = String(req.headers['x-test'] ?? '');
      const body = Buffer.concat(chunks).toString();
      into.push({ key, host: req.headers.host ?? '', attempt: req.headers['x-envoy-attempt-count'] as string | undefined, body });
      if (!answer) {
        res.end('shadow');
        return;
      }
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      behaviour[key]!(n, req, res, body);
    });
  });
}

const RETRY: RetryPolicy = { maxRetries: 2, retryOn: ['5xx', 'reset'], retriableStatusCodes: [], backoffBaseMs: 5, backoffMaxMs: 20, avoidPreviousHosts: true };

function vhost(name: string, route: Partial<Route>): VirtualHost {
  return { name: `${name}:80`, domains: [name], routes: [{ name, match: [], action: { clusters: [{ cluster: 'backend', weight: 100 }] }, ...route }] };
}

function config(port: number, shadowPort: number): ProxyConfig {
  const ep = (p: number, w: string) => ({ address: '127.0.0.1', port: p, identity: `spiffe://cluster.local/ns/default/sa/${w}`, workload: w, labels: {} });
  const cluster = (name: string, endpoints: ReturnType<typeof ep>[]) => ({ name, service: name, port: 80, subset: '', lbPolicy: 'ROUND_ROBIN' as const, transport: 'ISTIO_MUTUAL' as const, endpoints });
  return {
    version: 'stages-1',
    trustDomain: 'cluster.local',
    node: { id: 'client.default', workload: 'client', namespace: 'default', service: 'client', serviceAccount: 'client', labels: {} },
    inbound: { ports: [] },
    virtualHosts: [
      vhost('retry', { retry: RETRY, timeoutMs: 5_000 }),
      vhost('pertry', { retry: { ...RETRY, perTryTimeoutMs: 150 }, timeoutMs: 5_000 }),
      vhost('timeout', { timeoutMs: 300 }),
      vhost('mirror', { mirrors: [{ cluster: 'shadow', percent: 100 }] }),
      vhost('deadmirror', { mirrors: [{ cluster: 'dead', percent: 100 }] }),
      vhost('plain', {}),
    ],
    clusters: [cluster('backend', [ep(port, 'backend')]), cluster('shadow', [ep(shadowPort, 'shadow')]), cluster('dead', [ep(1, 'dead')])],
  };
}

before(async () => {
  backend = recordingServer(seen, true);
  shadow = recordingServer(shadowSeen, false);
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => shadow.listen(0, '127.0.0.1', r));
  clusters = new ClusterManager(
    (ep) => () => new Promise((resolve, reject) => {
      const s = net.connect(ep.port, ep.address);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    }),
    { idleTimeoutMs: 5_000 },
  );
  const state = new ConfigState(clusters, { maxRegexLength: 100 });
  assert.equal(state.apply('stages-1', config((backend.address() as AddressInfo).port, (shadow.address() as AddressInfo).port)), null);
  proxy = await startOutboundListener('127.0.0.1', 0, {
    direction: 'outbound',
    service: () => state.outbound,
    rescue: createRescue(() => 'client.default', () => {}),
    onStreamEnd: (r) => records.push(r),
    idleTimeoutMs: 10_000,
  });
  proxyPort = (proxy.server.address() as AddressInfo).port;
});

after(async () => {
  for (const res of hanging) res.destroy();
  proxy.server.close();
  await proxy.tracker.drain(100);
  clusters.destroy();
  for (const s of [backend, shadow]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly ms: number;
}

function call(host: string, key: string, opts: { method?: string; body?: string } = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, path: `/${key}`, method: opts.method ?? 'GET', headers: { host, 'x-test': key }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

test('503 twice then 200: the client sees 200; the backend saw attempts 1, 2 and 3', async () => {
  const a = await call('retry', 'flaky');
  assert.equal(a.status, 200);
  assert.equal(a.body, 'ok after retries');
  assert.deepEqual(seen.filter((s) => s.key === 'flaky').map((s) => s.attempt), ['1', '2', '3']);
  const rec = records.find((r) => r.request.path === '/flaky');
  assert.equal(rec?.info.responseFlags, '');
});

test('a backend that resets the connection: retried, the client sees the second answer', async () => {
  const a = await call('retry', 'reset');
  assert.equal(a.status, 200);
  assert.equal(a.body, 'ok after a reset');
  assert.equal(seen.filter((s) => s.key === 'reset').length, 2);
});

test('a first attempt hanging past perTryTimeout: the next attempt answers', async () => {
  const a = await call('pertry', 'slow');
  assert.equal(a.status, 200);
  assert.equal(a.body, 'the second attempt');
  assert.ok(a.ms >= 140 && a.ms < 2_000, `${a.ms.toFixed(0)} ms`);
});

test('a request still unanswered at the route timeout: 504 UT at that time', async () => {
  const a = await call('timeout', 'hang');
  assert.equal(a.status, 504);
  assert.equal(a.headers['x-weft-response-flags'], 'UT');
  assert.ok(a.ms >= 295 && a.ms < 800, `${a.ms.toFixed(0)} ms`);
});

test('exhausted retries: the backend\'s last 503, flagged URX in the access log', async () => {
  const a = await call('retry', 'always503');
  assert.equal(a.status, 503);
  assert.equal(a.body, 'no');
  assert.equal(a.headers['x-weft-response-flags'], undefined, 'the upstream\'s own answer, not a local reply');
  assert.equal(seen.filter((s) => s.key === 'always503').length, 3);
  const rec = records.find((r) => r.request.path === '/always503');
  assert.equal(rec?.info.responseFlags, 'URX');
});

test('a POST body is replayed to the retry', async () => {
  const body = 'field=value&'.repeat(500);
  const a = await call('retry', 'post', { method: 'POST', body });
  assert.equal(a.status, 200);
  assert.equal(a.body, `got ${body.length} bytes: ${body.slice(0, 20)}`);
  assert.deepEqual(seen.filter((s) => s.key === 'post').map((s) => s.body.length), [body.length, body.length]);
});

test('mirroring: the client gets the primary\'s answer; the mirror gets the copy with the -shadow Host', async () => {
  const a = await call('mirror', 'plain', { method: 'POST', body: 'copy me' });
  assert.equal(a.status, 200);
  assert.equal(a.body, 'plain');
  for (let i = 0; i < 100 && shadowSeen.length === 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(shadowSeen.length, 1);
  assert.equal(shadowSeen[0]!.host, 'mirror-shadow');
  assert.equal(shadowSeen[0]!.body, 'copy me');
});

test('a dead mirror changes nothing for the client', async () => {
  const a = await call('deadmirror', 'plain');
  assert.equal(a.status, 200);
  assert.equal(a.body, 'plain');
  const rec = records.find((r) => r.request.authority === 'deadmirror');
  assert.equal(rec?.info.responseFlags, '');
});
