// The sidecar's HTTP data path over real loopback sockets (no TLS, no control plane): routing,
// local replies with response flags, streaming bodies, keep-alive, framing edge cases.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { ConfigState } from '../../src/proxy/config-client/apply.ts';
import { ClusterManager } from '../../src/proxy/upstream/cluster-manager.ts';
import { startOutboundListener } from '../../src/proxy/listener/outbound.ts';
import { createRescue } from '../../src/proxy/rescue.ts';
import type { StreamRecord } from '../../src/proxy/http/connection-manager.ts';
import type { ProxyConfig } from '../../src/model/proxy-config.ts';

let backend: http.Server;
let backendPort: number;
let proxy: Awaited<ReturnType<typeof startOutboundListener>>;
let proxyPort: number;
let clusters: ClusterManager;
const records: StreamRecord[] = [];

function config(port: number): ProxyConfig {
  const ep = (p: number) => ({ address: '127.0.0.1', port: p, identity: 'spiffe://cluster.local/ns/default/sa/backend', workload: 'backend-1', labels: { version: 'v1' } });
  return {
    version: 'test-1',
    trustDomain: 'cluster.local',
    node: { id: 'client.default', workload: 'client', namespace: 'default', service: 'client', serviceAccount: 'client', labels: {} },
    inbound: { ports: [] },
    virtualHosts: [
      {
        name: 'backend.default.svc.cluster.local:8080',
        domains: ['backend', 'backend:8080', 'backend.default.svc.cluster.local:8080'],
        routes: [
          { name: 'beta', match: [{ headers: [{ name: 'user-type', match: { kind: 'exact', value: 'beta' }, invert: false }] }], action: { clusters: [{ cluster: 'outbound|8080|v2|backend', weight: 100 }] } },
          { name: 'only-users', match: [{ uri: { kind: 'prefix', value: '/' } }], action: { clusters: [{ cluster: 'outbound|8080||backend', weight: 100 }] } },
        ],
      },
      {
        name: 'dead.default.svc.cluster.local:8080',
        domains: ['dead:8080'],
        routes: [{ name: 'default', match: [], action: { clusters: [{ cluster: 'outbound|8080||dead', weight: 100 }] } }],
      },
      {
        name: 'refused.default.svc.cluster.local:8080',
        domains: ['refused:8080'],
        routes: [{ name: 'default', match: [], action: { clusters: [{ cluster: 'outbound|8080||refused', weight: 100 }] } }],
      },
    ],
    clusters: [
      { name: 'outbound|8080||backend', service: 'backend', port: 8080, subset: '', lbPolicy: 'ROUND_ROBIN', transport: 'ISTIO_MUTUAL', endpoints: [ep(port)] },
      { name: 'outbound|8080|v2|backend', service: 'backend', port: 8080, subset: 'v2', lbPolicy: 'ROUND_ROBIN', transport: 'ISTIO_MUTUAL', endpoints: [] },
      { name: 'outbound|8080||dead', service: 'dead', port: 8080, subset: '', lbPolicy: 'ROUND_ROBIN', transport: 'ISTIO_MUTUAL', endpoints: [] },
      { name: 'outbound|8080||refused', service: 'refused', port: 8080, subset: '', lbPolicy: 'LEAST_REQUEST', transport: 'ISTIO_MUTUAL', endpoints: [ep(1)] },
    ],
  };
}

before(async () => {
  backend = http.createServer((req, res) => {
    if (req.url === '/download') {
      // 8 MB in 64 KB chunks, chunked encoding.
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let left = 128;
      const pump = (): void => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    let n = 0;
    req.on('data', (c: Buffer) => { n += c.length; });
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, received: n, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive', 'x-hop': 'drop-me' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as AddressInfo).port;
  clusters = new ClusterManager(
    (ep) => () => new Promise((resolve, reject) => {
      const s = net.connect(ep.port, ep.address);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    }),
    { idleTimeoutMs: 5_000 },
  );
  const state = new ConfigState(clusters, { maxRegexLength: 100 });
  assert.equal(state.apply('test-1', config(backendPort)), null);
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
  proxy.server.close();
  await proxy.tracker.drain(100);
  clusters.destroy();
  backend.closeAllConnections();
  await new Promise((r) => backend.close(r));
});

/** Raw request over a fresh socket; returns the whole response text once the peer closes or `until` matches. */
function raw(text: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxyPort, '127.0.0.1');
    let out = '';
    s.on('data', (c) => {
      out += c.toString('latin1');
      if (until?.test(out)) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.write(text);
  });
}

/** The body of the last response in a raw response text, chunked coding removed. */
function lastBody(text: string): string {
  const start = text.lastIndexOf('HTTP/1.1 ');
  const headEnd = text.indexOf('\r\n\r\n', start);
  const head = text.slice(start, headEnd).toLowerCase();
  let rest = text.slice(headEnd + 4);
  if (!head.includes('transfer-encoding: chunked')) return rest;
  let out = '';
  for (;;) {
    const nl = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, nl), 16);
    if (!(size > 0)) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function viaProxy(path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; host?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, agent, path, method: opts.method ?? 'GET', headers: { host: opts.host ?? 'backend:8080', ...opts.headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

test('routes origin-form requests by Host and strips hop-by-hop headers', async () => {
  const r = await viaProxy('/users/1?x=1', { headers: { connection: 'keep-alive, x-secret', 'x-secret': 'no', 'keep-alive': 'timeout=5' } });
  assert.equal(r.status, 200);
  const echo = JSON.parse(r.body.toString());
  assert.equal(echo.url, '/users/1?x=1');
  assert.equal(echo.host, 'backend:8080');
  assert.equal(echo.headers['x-secret'], undefined);
  assert.equal(echo.headers['keep-alive'], undefined);
  assert.match(echo.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  assert.equal(echo.headers['x-forwarded-proto'], 'http');
  assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(r.headers['x-hop'], 'drop-me', 'end-to-end response fields pass');
});

test('takes absolute-form requests (HTTP_PROXY clients) and keeps a caller x-request-id', async () => {
  const res = await raw('GET http://backend:8080/users/123 HTTP/1.1\r\nHost: ignored\r\nx-request-id: abc\r\nConnection: close\r\n\r\n');
  assert.match(res, /^HTTP\/1\.1 200 /);
  const body = JSON.parse(lastBody(res));
  assert.equal(body.url, '/users/123');
  assert.equal(body.host, 'backend:8080');
  assert.equal(body.headers['x-request-id'], 'abc');
});

test('no virtual host or no route → 404 NR', async () => {
  const r = await viaProxy('/', { host: 'nobody:8080' });
  assert.equal(r.status, 404);
  assert.equal(r.headers['x-weft-response-flags'], 'NR');
  assert.equal(r.headers['x-weft-proxy'], 'client.default');
  assert.equal(records.at(-1)!.info.responseFlags, 'NR');
});

test('no endpoint → 503 UH; connect failure → 503 UF', async () => {
  const uh = await viaProxy('/', { host: 'dead:8080' });
  assert.equal(uh.status, 503);
  assert.equal(uh.headers['x-weft-response-flags'], 'UH');
  const beta = await viaProxy('/', { headers: { 'user-type': 'beta' } });
  assert.equal(beta.status, 503, 'the beta route goes to the empty v2 subset');
  assert.equal(beta.headers['x-weft-response-flags'], 'UH');
  const uf = await viaProxy('/', { host: 'refused:8080' });
  assert.equal(uf.status, 503);
  assert.equal(uf.headers['x-weft-response-flags'], 'UF');
  assert.match(uf.body.toString(), /upstream connect error/);
});

test('keeps the downstream connection alive across requests and reuses upstream connections', async () => {
  const before = records.length;
  for (let i = 0; i < 20; i++) assert.equal((await viaProxy(`/k/${i}`)).status, 200);
  const hosts = new Set(records.slice(before).map((r) => r.info.upstreamHost));
  assert.deepEqual([...hosts], [`127.0.0.1:${backendPort}`]);
});

test('streams a chunked upload and a large download', async () => {
  const big = Buffer.alloc(3 * 1024 * 1024, 'y');
  const up = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, path: '/upload', method: 'POST', headers: { host: 'backend:8080', 'transfer-encoding': 'chunked' } }, (res) => {
      let s = '';
      res.on('data', (c) => { s += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: s }));
    });
    req.on('error', reject);
    for (let i = 0; i < 3; i++) req.write(big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    req.end();
  });
  assert.equal(up.status, 200);
  assert.equal(JSON.parse(up.body).received, big.length);
  const down = await viaProxy('/download');
  assert.equal(down.status, 200);
  assert.equal(down.body.length, 128 * 64 * 1024);
});

test('HEAD keeps Content-Length without a body; Expect: 100-continue is answered by the proxy', async () => {
  const head = await raw('HEAD /h HTTP/1.1\r\nHost: backend:8080\r\n\r\n', /\r\n\r\n/);
  assert.match(head, /^HTTP\/1\.1 200 /);
  const expect = await raw('POST /e HTTP/1.1\r\nHost: backend:8080\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nok');
  assert.match(expect, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  assert.equal(JSON.parse(lastBody(expect)).received, 2);
});

test('smuggling shapes get 400 and the connection closed; the proxy keeps serving', async () => {
  const res = await raw('POST / HTTP/1.1\r\nHost: backend:8080\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  assert.match(res, /^HTTP\/1\.1 400 /);
  assert.match(res, /connection: close/);
  const big = await raw(`GET / HTTP/1.1\r\nHost: backend:8080\r\nX: ${'a'.repeat(80 * 1024)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
  assert.equal((await viaProxy('/still-fine')).status, 200);
});

test('a config the proxy cannot use is rejected and the previous one keeps serving', async () => {
  const state = new ConfigState(new ClusterManager(() => () => Promise.reject(new Error('unused')), { idleTimeoutMs: 1 }), { maxRegexLength: 10 });
  assert.equal(state.apply('v1', { ...config(1), version: 'v1' }), null);
  const bad = config(1);
  const withRegex = { ...bad, version: 'v2', virtualHosts: [{ ...bad.virtualHosts[0]!, routes: [{ name: 'r', match: [{ uri: { kind: 'regex' as const, value: '/a'.repeat(20) } }], action: bad.virtualHosts[0]!.routes[1]!.action }] }] };
  const reason = state.apply('v2', withRegex);
  assert.match(reason ?? '', /exceeds this proxy's limit/);
  assert.equal(state.current?.version, 'v1');
  assert.match(state.apply('v3', { version: 'v3' }) ?? '', /invalid config/);
});

test('a CONNECT tunnel (how Node fetch uses HTTP_PROXY) carries plain HTTP requests, routed by their Host', async () => {
  const res = await raw(
    'CONNECT backend:8080 HTTP/1.1\r\nHost: backend:8080\r\n\r\n' +
      'GET /tunnelled HTTP/1.1\r\nHost: backend:8080\r\n\r\n' +
      'GET /second HTTP/1.1\r\nHost: backend:8080\r\nConnection: close\r\n\r\n',
  );
  assert.match(res, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 /);
  assert.equal(JSON.parse(lastBody(res)).url, '/second');
  assert.match(res, /\/tunnelled/);
  const bad = await raw('CONNECT not a target HTTP/1.1\r\n\r\n');
  assert.match(bad, /^HTTP\/1\.1 400 /);
});

test('Node fetch through HTTP_PROXY (NODE_USE_ENV_PROXY=1) reaches the service by name', async () => {
  const script = "const r = await fetch('http://backend:8080/users/7'); console.log(r.status, (await r.json()).url);";
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_USE_ENV_PROXY: '1', HTTP_PROXY: `http://127.0.0.1:${proxyPort}`, NO_PROXY: '' },
      timeout: 20_000,
    }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  assert.equal(out.trim(), '200 /users/7');
});
