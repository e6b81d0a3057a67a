// Issue 4 through the real `weft` binary: without the admin credential the CLI cannot apply config (exit 7, and a message saying where the credential is); http:// is refused; with the state directory or --token it works; `weft token create` mints a join token; a sidecar of another user gets in with only that token (the root pinned by its hash), and only as its identity.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestControlPlane, startWeft, weft, type TestControlPlane } from './harness.ts';

const CANARY = fileURLToPath(new URL('../../src/demo/canary.yaml', import.meta.url));
let tcp: TestControlPlane;
let empty: string;

before(async () => {
  tcp = await startTestControlPlane();
  empty = await mkdtemp(join(tmpdir(), 'weft-nocred-'));
});
after(async () => {
  await tcp.close();
  await rm(empty, { recursive: true, force: true });
});

test('the CLI without the admin credential cannot apply config', async () => {
  const r = await weft(['apply', '-f', CANARY, '--control-plane', tcp.url, '--ca-file', tcp.cp.rootCertFile], { env: { WEFT_STATE_DIR: empty } });
  assert.equal(r.code, 7, r.stderr);
  assert.match(r.stderr, /error: no admin credential: /);
  assert.match(r.stderr, /admin-token does not exist/);
  assert.match(r.stderr, /--token or WEFT_TOKEN/);
  const stored = await weft(['get', 'vs', '--control-plane', tcp.url]);
  assert.equal(stored.code, 0, stored.stderr);
  assert.doesNotMatch(stored.stdout, /order-service/, 'nothing was applied');
});

test('a wrong admin token is refused by the control plane (exit 7)', async () => {
  const r = await weft(['apply', '-f', CANARY, '--control-plane', tcp.url], { env: { WEFT_TOKEN: 'weft-admin-not-this-one' } });
  assert.equal(r.code, 7, r.stderr);
  assert.match(r.stderr, /refused the request \(401\)/);
});

test('http:// is not silently accepted', async () => {
  const r = await weft(['get', 'vs', '--control-plane', tcp.url.replace('https://', 'http://')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /HTTPS only/);
});

test('with the credential from the state directory or --token, apply works; token create mints a join token', async () => {
  const applied = await weft(['apply', '-f', CANARY, '--control-plane', tcp.url]);
  assert.equal(applied.code, 0, applied.stderr);
  const viaFlag = await weft(['--token', tcp.cp.adminToken, '--ca-file', tcp.cp.rootCertFile, 'get', 'vs', '--control-plane', tcp.url], { env: { WEFT_STATE_DIR: empty } });
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  const minted = await weft(['token', 'create', '--service-account', 'order-service', '--ttl', '5m', '-o', 'json', '--control-plane', tcp.url]);
  assert.equal(minted.code, 0, minted.stderr);
  const body = JSON.parse(minted.stdout) as { token: string; spiffeId: string };
  assert.equal(body.spiffeId, 'spiffe://cluster.local/ns/default/sa/order-service');
  assert.match(body.token, /^weft-join\./);
});

test('as another user (no state directory): a sidecar needs a join token; with one it pins the root by the token\'s hash and runs as that identity only', async () => {
  const common = ['proxy', '--control-plane', tcp.url, '--service', 'pinned', '--port', '8080', '--app-port', '3000', '--access-log', 'off'];
  const none = await weft(common, { env: { WEFT_STATE_DIR: empty } });
  assert.equal(none.code, 7, none.stderr);
  assert.match(none.stderr, /no join token for default\/pinned/);
  assert.match(none.stderr, /weft token create -n default --service-account pinned/);

  const token = tcp.cp.mintJoinToken('default', 'pinned');
  const wrongIdentity = await weft([...common, '--service-account', 'someone-else', '--token', token, '--workload', 'pinned-x'], { env: { WEFT_STATE_DIR: empty, WEFT_LOG_LEVEL: 'silent' } });
  assert.equal(wrongIdentity.code, 6, 'a token for one identity obtains no certificate for another');

  const px = startWeft([...common, '--token', token, '--workload', 'pinned-0'], { env: { WEFT_STATE_DIR: empty } });
  try {
    await px.waitFor(/^\{.*\}\n/m);
    assert.equal((JSON.parse(px.output().stdout.trim()) as { id: string }).id, 'pinned-0.default');
  } finally {
    px.child.kill('SIGTERM');
    assert.equal((await px.done).code, 0);
  }
});
