// `weft run` as a real process with a real sidecar and control plane: env, signals forwarded, the app's status, clients reaching a service by name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nothingThere, startTestControlPlane, startWeft, weft, type TestControlPlane } from './harness.ts';

const ECHO = fileURLToPath(new URL('./apps/echo-server.ts', import.meta.url));
const NODE_CLIENT = fileURLToPath(new URL('./apps/node-client.ts', import.meta.url));
const node = process.execPath;

let tcp: TestControlPlane;
let env: Record<string, string>;
before(async () => {
  tcp = await startTestControlPlane();
  env = { WEFT_CONTROL_PLANE: tcp.url };
});
after(async () => { await tcp.close(); });

test('the app gets PORT and the sidecar as HTTP_PROXY; SIGTERM is forwarded and its status is ours', async () => {
  const run = startWeft(['run', '--service', 'echo', '--version', 'v1', '--port', '8080', '--access-log', 'off', '--', node, ECHO], { env: { ...env, EXIT_ON_TERM: '7' } });
  await run.waitFor(/echo up on/);
  const { stdout, stderr } = run.output();
  const ready = /sidecar for echo v1 ready: outbound 127\.0\.0\.1:(\d+) inbound 127\.0\.0\.1:\d+ admin 127\.0\.0\.1:\d+; app port (\d+)/.exec(stderr);
  assert.ok(ready, stderr);
  assert.match(stdout, new RegExp(`echo up on ${ready[2]} HTTP_PROXY=http://127\\.0\\.0\\.1:${ready[1]} NO_PROXY=localhost,127\\.0\\.0\\.1,::1 NODE_USE_ENV_PROXY=1`));

  const ps = await weft(['proxy-status'], { env });
  assert.match(ps.stdout, /^echo-v1-[a-z0-9]{4}\.default\s+echo\s+v1\s+\S+\s+synced\s+yes$/m);

  run.child.kill('SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 7, r.stderr);
  assert.match(r.stdout, /echo got SIGTERM/);
  assert.match(r.stderr, /echo v1 exited with status 7; sidecar drained/);
  // A clean exit leaves the registry at once.
  const wl = await weft(['get', 'workloads'], { env });
  assert.doesNotMatch(wl.stdout, /echo-v1/);
});

test('an app killed by the forwarded signal: 128 + its number', async () => {
  const run = startWeft(['run', '--service', 'echo', '--port', '8080', '--access-log', 'off', '--', node, ECHO], { env });
  await run.waitFor(/echo up on/);
  run.child.kill('SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /echo was killed by SIGTERM; sidecar drained/);
});

test('the app\'s own exit status passes through', async () => {
  const r = await weft(['run', '--service', 'job', '--port', '8080', '--', node, '-e', 'process.exit(3)'], { env });
  assert.equal(r.code, 3, r.stderr);
});

test('clients reach a service by name through their sidecar: node:http and curl', async (t) => {
  const server = startWeft(['run', '--service', 'web', '--version', 'v2', '--port', '8080', '--access-log', 'off', '--', node, ECHO], { env: { ...env, VERSION: 'v2' } });
  t.after(async () => {
    server.child.kill('SIGTERM');
    await server.done;
  });
  await server.waitFor(/echo up on/);
  for (const host of ['web', 'web.default', 'web.default.svc.cluster.local']) {
    const r = await weft(['run', '--service', 'client', '--port', '8080', '--access-log', 'off', '--', node, NODE_CLIENT, `http://${host}:8080/hello`], { env });
    assert.equal(r.code, 0, `${host}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^200 \{"app":"echo","path":"\/hello","version":"v2"\}$/m, host);
  }
  // curl reads only the lower-case http_proxy (.ci/run installs curl).
  const r = await weft(['run', '--service', 'client', '--port', '8080', '--access-log', 'off', '--', 'curl', '-sS', '--fail', 'http://web:8080/from-curl'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"path":"\/from-curl"/);
});

test('no control plane: exit 3, the app never starts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-run-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const marker = join(dir, 'started');
  const dead = await nothingThere();
  const r = await weft(['run', '--service', 'web', '--port', '8080', '--', node, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '1')`], { env: { WEFT_CONTROL_PLANE: dead } });
  assert.equal(r.code, 3);
  assert.ok(r.stderr.includes(`error: the sidecar needs the control plane, and nothing answers at ${dead}\n  start one with \`weft control-plane\``), r.stderr);
  assert.equal(existsSync(marker), false);
});

test('an unknown executable is refused before anything starts: exit 127', async () => {
  const r = await weft(['run', '--service', 'web', '--port', '8080', '--', 'weft-no-such-program'], { env });
  assert.equal(r.code, 127);
  assert.match(r.stderr, /^error: cannot run "weft-no-such-program": no such executable in PATH$/m);
  const ps = await weft(['proxy-status'], { env });
  assert.doesNotMatch(ps.stdout, /web-/);
});
