// The control plane's secrets on disk: made once with owner-only modes, read back unchanged, narrowed again when someone widened them, and a corrupt file refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../lib/log.ts';
import { loadOrCreateSecrets, writeRootCopy } from './credentials.ts';

test('secrets are created 0600 in a 0700 directory, then read back unchanged', async (t) => {
  const dir = join(await mkdtemp(join(tmpdir(), 'weft-secrets-')), 'state');
  t.after(() => rm(join(dir, '..'), { recursive: true, force: true }));
  await mkdir(dir, { mode: 0o755 });
  await chmod(dir, 0o755);
  const first = await loadOrCreateSecrets(dir, silentLogger);
  assert.match(first.adminToken, /^weft-admin-[A-Za-z0-9_-]{43}$/);
  assert.equal(first.joinTokenKey.length, 32);
  assert.equal((await stat(dir)).mode & 0o777, 0o700, 'the state directory is narrowed to its owner');
  for (const f of ['admin-token', 'join-token.key']) assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600, f);
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');

  await chmod(join(dir, 'admin-token'), 0o644);
  const again = await loadOrCreateSecrets(dir, silentLogger);
  assert.equal(again.adminToken, first.adminToken);
  assert.ok(again.joinTokenKey.equals(first.joinTokenKey));
  assert.equal((await stat(join(dir, 'admin-token'))).mode & 0o777, 0o600, 'a widened token file is narrowed back');

  await writeRootCopy(first.rootCertFile, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
  assert.equal((await stat(first.rootCertFile)).mode & 0o777, 0o644, 'the root copy is public');

  await writeFile(join(dir, 'admin-token'), 'nonsense\n');
  await assert.rejects(loadOrCreateSecrets(dir, silentLogger), (err: unknown) => (err as { code?: string }).code === 'WEFT_AUTH_STATE');
});
