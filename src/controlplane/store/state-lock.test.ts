// The state-directory lock: one owner at a time, a dead owner's lock is taken over.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeftError } from '../../lib/errors.ts';
import { LOCK_FILE, lockStateDir } from './state-lock.ts';

describe('lockStateDir', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets one owner in, names it to the next, and frees the directory on release', async () => {
    const lock = await lockStateDir(dir);
    assert.equal((await readFile(join(dir, LOCK_FILE), 'utf8')).trim(), String(process.pid));
    await assert.rejects(lockStateDir(dir), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.equal(err.code, 'WEFT_STATE_DIR_LOCKED');
      assert.match(err.message, new RegExp(`pid ${process.pid}`));
      return true;
    });
    await lock.release();
    const again = await lockStateDir(dir);
    await again.release();
  });

  it('takes over a lock whose owner is dead (killed with -9)', async () => {
    // Above Linux's pid_max (2^22), so no process can have it.
    await writeFile(join(dir, LOCK_FILE), '99999999\n');
    const lock = await lockStateDir(dir);
    assert.equal((await readFile(join(dir, LOCK_FILE), 'utf8')).trim(), String(process.pid));
    await lock.release();
  });

  it('takes over an empty lock file (its owner died while writing it)', async () => {
    await writeFile(join(dir, LOCK_FILE), '');
    const lock = await lockStateDir(dir);
    await lock.release();
  });
});
