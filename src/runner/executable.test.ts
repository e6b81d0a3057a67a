// Finding the app's executable before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from './executable.ts';

test('PATH search, paths with a slash, not-found and not-executable', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-exe-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'app'), '#!/bin/sh\nexit 0\n');
  await chmod(join(dir, 'app'), 0o755);
  await writeFile(join(dir, 'data'), 'not a program');
  await chmod(join(dir, 'data'), 0o644);

  assert.deepEqual(await findExecutable('app', `/nonexistent:${dir}`), { ok: true, path: join(dir, 'app') });
  assert.deepEqual(await findExecutable('./app', undefined, dir), { ok: true, path: join(dir, 'app') });
  assert.deepEqual(await findExecutable('app', ':', dir), { ok: true, path: join(dir, 'app') });
  assert.deepEqual(await findExecutable('nope', dir), { ok: false, reason: 'not-found' });
  assert.deepEqual(await findExecutable('nope', undefined), { ok: false, reason: 'not-found' });
  assert.deepEqual(await findExecutable('data', dir), { ok: false, reason: 'not-executable', path: join(dir, 'data') });
  assert.deepEqual(await findExecutable(dir, undefined), { ok: false, reason: 'not-found' });
});
