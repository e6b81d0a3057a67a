// The app child, for real: its environment, its status (code, 128 + signal, 127), and signals forwarded to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { forwardSignals, startApp } from './app-process.ts';
import { proxyEnv } from './proxy-env.ts';

const node = process.execPath;
const env = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env.PATH ?? '', ...extra });

test('the app sees PORT and the proxy variables', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-app-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'env.json');
  const script = `require('node:fs').writeFileSync(process.argv[1], JSON.stringify(process.env))`;
  const app = startApp([node, '-e', script, out], proxyEnv(env(), { appPort: 41000, outboundPort: 15001 }));
  assert.equal((await app.exited).status, 0);
  const seen = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
  assert.equal(seen.PORT, '41000');
  assert.equal(seen.HTTP_PROXY, 'http://127.0.0.1:15001');
  assert.equal(seen.http_proxy, 'http://127.0.0.1:15001');
  assert.equal(seen.NO_PROXY, 'localhost,127.0.0.1,::1');
  assert.equal(seen.NODE_USE_ENV_PROXY, '1');
});

test('statuses: the exit code, 128 + signal, 127 for a missing executable', async () => {
  assert.deepEqual(await startApp([node, '-e', 'process.exit(3)'], env()).exited, { status: 3, code: 3, signal: null });
  const killed = await startApp([node, '-e', 'process.kill(process.pid, "SIGTERM"); setTimeout(() => {}, 5000)'], env()).exited;
  assert.equal(killed.status, 143);
  assert.equal(killed.signal, 'SIGTERM');
  const missing = await startApp(['/nonexistent/weft-no-such-app'], env()).exited;
  assert.equal(missing.status, 127);
  assert.ok(missing.spawnError !== undefined);
});

test('SIGTERM to this process reaches the app, which decides its own status', async () => {
  // Handshake without sleeping: the app tells us (SIGWINCH to its parent) once its handler is installed.
  const installed = once(process, 'SIGWINCH');
  const script = 'process.on("SIGTERM", () => process.exit(7)); process.kill(process.ppid, "SIGWINCH"); setInterval(() => {}, 1000)';
  const app = startApp([node, '-e', script], env());
  await installed;
  const before = process.listenerCount('SIGTERM');
  const received: NodeJS.Signals[] = [];
  const stop = forwardSignals(app, (s) => received.push(s));
  assert.equal(process.listenerCount('SIGTERM'), before + 1);
  // The listeners run as for a real signal, without signalling the test runner itself.
  process.emit('SIGTERM', 'SIGTERM');
  const end = await app.exited;
  stop();
  assert.deepEqual(received, ['SIGTERM']);
  assert.equal(end.status, 7);
  assert.equal(process.listenerCount('SIGTERM'), before);
  assert.equal(app.running, false);
});
