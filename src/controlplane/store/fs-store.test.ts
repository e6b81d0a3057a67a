// FsStore against the shared conformance suite, plus what only a file can get wrong: leftovers of a crash, corruption, permissions.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeConformance, vs } from '../../../test/conformance/store.suite.ts';
import { WeftError } from '../../lib/errors.ts';
import { FsStore, STORE_FILE } from './fs-store.ts';

storeConformance('fs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-fs-store-'));
  return {
    open: () => FsStore.open({ dir }),
    durable: true,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('FsStore on disk', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-fs-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ignores and removes a partial temp file left by a crash', async () => {
    const s = await FsStore.open({ dir });
    await s.applyBatch([vs('a', ['a'])], []);
    await s.close();
    await writeFile(join(dir, `${STORE_FILE}.4242.7.tmp`), '{"format":"weft.resources/v1","revision":2,"resour');
    const again = await FsStore.open({ dir });
    assert.equal(again.revision, 1);
    assert.deepEqual(again.list().map((r) => r.metadata.name), ['a']);
    assert.deepEqual(await readdir(dir), [STORE_FILE]);
    await again.close();
  });

  it('refuses to start on a corrupt store file and says what to do', async () => {
    await writeFile(join(dir, STORE_FILE), '{"format":"weft.resources/v1","revision":');
    await assert.rejects(FsStore.open({ dir }), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.equal(err.code, 'WEFT_STORE_CORRUPT');
      assert.match(err.message, /restore it from a backup or move it away/);
      return true;
    });
  });

  it('refuses a file of another format', async () => {
    await writeFile(join(dir, STORE_FILE), '{"revision":1,"resources":[]}');
    await assert.rejects(FsStore.open({ dir }), /format/);
  });

  it('writes the file readable by its owner only and leaves no temp file behind', async () => {
    const s = await FsStore.open({ dir });
    await s.applyBatch([vs('a', ['a'])], []);
    await s.close();
    assert.deepEqual(await readdir(dir), [STORE_FILE]);
    assert.equal((await stat(join(dir, STORE_FILE))).mode & 0o777, 0o600);
  });

  it('leaves memory and disk unchanged when the write fails', async () => {
    const s = await FsStore.open({ dir });
    await s.applyBatch([vs('a', ['a'])], []);
    await rm(dir, { recursive: true, force: true });
    await assert.rejects(s.applyBatch([vs('b', ['b'])], []), (err: unknown) => err instanceof WeftError && err.code === 'WEFT_STORE_WRITE_FAILED');
    assert.equal(s.revision, 1);
    assert.equal(s.get('VirtualService/default/b'), undefined);
    await s.close();
  });
});
