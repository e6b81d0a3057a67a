// One request end to end with the real parts, in one process: control plane (store, registry, CA,
// push) + two sidecars (mTLS between them) + a plain HTTP app behind the second one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startControlPlane } from '../../src/controlplane/main.ts';
import { startProxy } from '../../src/proxy/main.ts';
import type { RunningProxy } from '../../src/proxy/options.ts';
import { silentLogger } from '../../src/lib/log.ts';

let dir: string;
let cp: Awaited<ReturnType<typeof startControlPlane>>;
let app: http.Server;
let client: RunningProxy;
let server: RunningProxy;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-two-'));
  cp = await startControlPlane({ stateDir: dir, port: 0, logger: silentLogger });
  app = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url, xfcc: req.headers['x-forwarded-client-cert'], host: req.headers.host }));
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  const common = { controlPlane: cp.url, controlPlaneCa: cp.rootCertPem, namespace: 'default', logger: silentLogger, accessLog: null };
  server = await startProxy({ ...common, joinToken: cp.mintJoinToken('default', 'user-service'), workload: 'user-service-v1-abcd', service: 'user-service', serviceAccount: 'user-service', labels: { app: 'user-service', version: 'v1' }, servicePort: 8080, appPort });
  client = await startProxy({ ...common, joinToken: cp.mintJoinToken('default', 'order-service'), workload: 'order-service-v1-abcd', service: 'order-service', serviceAccount: 'order-service', labels: { app: 'order-service', version: 'v1' }, servicePort: 8080, appPort: 1 });
  await Promise.all([server.ready, client.ready]);
});

after(async () => {
  await client.drain(100);
  await server.drain(100);
  app.closeAllConnections();
  app.close();
  await cp.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function get(port: number, host: string, p: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    }).on('error', reject);
  });
}

test('app → sidecar → mTLS → sidecar → app, by every spelling of the service name', async () => {
  // The client sidecar learns the server's endpoint from a push after the server registered.
  let r = await get(client.outboundPort, 'user-service:8080', '/users/123');
  for (let i = 0; i < 50 && r.status !== 200; i++) {
    await new Promise((res) => setTimeout(res, 100));
    r = await get(client.outboundPort, 'user-service:8080', '/users/123');
  }
  assert.equal(r.status, 200, r.body);
  const body = JSON.parse(r.body);
  assert.equal(body.url, '/users/123');
  assert.equal(body.host, 'user-service:8080');
  assert.equal(body.xfcc, 'By=spiffe://cluster.local/ns/default/sa/user-service;URI=spiffe://cluster.local/ns/default/sa/order-service');
  for (const host of ['user-service.default:8080', 'user-service.default.svc.cluster.local:8080', 'user-service']) {
    assert.equal((await get(client.outboundPort, host, '/')).status, 200, host);
  }
});
