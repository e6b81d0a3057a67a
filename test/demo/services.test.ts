// The demo services on their own (no mesh): their answers, and 502 with a JSON body — never a crash — when a downstream fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/runner/free-port.ts';

const script = (name: string): string => fileURLToPath(new URL(`../../src/demo/services/${name}.ts`, import.meta.url));

interface Running { readonly url: string; readonly child: ChildProcess; stop(): Promise<void> }

async function startService(name: string, env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, [script(name)], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: string) => { out += c; if (out.includes('listening on')) resolve(); });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, `${name} exits 0 on SIGTERM`);
    },
  };
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

test('the chain answers with who served it, v2 with its new fields', async (t) => {
  const user = await startService('user-service', { VERSION: 'v2' });
  const payment = await startService('payment-service', {});
  const order = await startService('order-service', { VERSION: 'v2', USER_SERVICE_URL: user.url, PAYMENT_SERVICE_URL: payment.url });
  const gateway = await startService('api-gateway', { ORDER_SERVICE_URL: order.url });
  t.after(async () => { for (const s of [gateway, order, payment, user]) await s.stop(); });

  const { status, body } = await getJson(`${gateway.url}/orders/12`, { 'user-type': 'beta' });
  assert.equal(status, 200);
  assert.deepEqual(body.servedBy, { service: 'order-service', version: 'v2' });
  assert.deepEqual(body.gateway, { service: 'api-gateway', version: 'v1' });
  assert.deepEqual(body.order, { id: 12, userId: 105, item: 'croissant', quantity: 1, estimatedDelivery: '1 days' });
  assert.deepEqual(body.user, { id: 105, name: 'Ada', tier: 'silver', servedBy: { service: 'user-service', version: 'v2' } });
  assert.equal((body.payment as { servedBy: unknown }).servedBy !== undefined, true);
  assert.equal((await getJson(`${order.url}/healthz`)).status, 200);
  const missing = await getJson(`${gateway.url}/nowhere`);
  assert.equal(missing.status, 404);
});

test('downstream failures become 502 with a JSON body, and the service keeps serving', async (t) => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const order = await startService('order-service', { USER_SERVICE_URL: dead, PAYMENT_SERVICE_URL: dead });
  // A downstream that answers 500 with HTML.
  const broken = createServer((_req, res) => { res.writeHead(500, { 'content-type': 'text/html' }); res.end('<h1>oops</h1>'); });
  broken.listen(0, '127.0.0.1');
  await once(broken, 'listening');
  const gateway = await startService('api-gateway', { ORDER_SERVICE_URL: `http://127.0.0.1:${(broken.address() as AddressInfo).port}` });
  const gatewayToDead = await startService('api-gateway', { ORDER_SERVICE_URL: order.url });
  t.after(async () => {
    for (const s of [gateway, gatewayToDead, order]) await s.stop();
    broken.close();
  });

  const a = await getJson(`${order.url}/orders/1`);
  assert.equal(a.status, 502);
  assert.equal(a.body.error, `user-service unreachable: connect ECONNREFUSED ${dead.slice('http://'.length)}`);
  const b = await getJson(`${gateway.url}/orders/1`);
  assert.equal(b.status, 502);
  assert.equal(b.body.error, 'order-service answered 500');
  assert.equal(b.body.upstream, '<h1>oops</h1>');
  const c = await getJson(`${gatewayToDead.url}/orders/1`);
  assert.equal(c.status, 502);
  assert.equal(c.body.error, 'order-service answered 502');
  for (const s of [order, gateway]) assert.equal((await getJson(`${s.url}/healthz`)).status, 200);
});
