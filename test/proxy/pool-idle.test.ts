// Keep-alive pools: a released connection is reused while warm and closed once idle past the timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { EndpointPool } from '../../src/proxy/upstream/pool.ts';
import { Body } from '../../src/proxy/http/body.ts';

test('reuses a warm connection and closes it after the idle timeout', async () => {
  let opened = 0;
  let closed = 0;
  const server = http.createServer((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    opened++;
    s.on('close', () => closed++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const pool = new EndpointPool(`127.0.0.1:${port}`, () => new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  }), { idleTimeoutMs: 300 });
  for (let i = 0; i < 3; i++) {
    const conn = await pool.acquire();
    const res = await conn.request('GET', '/', ['host', 'x'], Body.empty(), () => {});
    assert.equal((await res.body.collect()).toString(), 'ok');
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(opened, 1, 'one connection served all three requests');
  assert.equal(pool.idleCount, 1);
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(pool.idleCount, 0, 'the idle connection was swept');
  assert.equal(closed, 1);
  pool.destroy();
  await new Promise((r) => server.close(r));
});
