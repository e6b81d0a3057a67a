// -f inputs: files, directories (only config files, sorted), stdin, and clear errors for what cannot be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SourceReadError, UsageError } from './errors.ts';
import { readSources } from './sources.ts';

function stdin(text: string): PassThrough {
  const s = new PassThrough();
  s.end(text);
  return s;
}

test('files keep the name the user gave; a directory gives its *.yaml, *.yml, *.json sorted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-sources-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'b.yml'), 'b');
  await writeFile(join(dir, 'a.yaml'), 'a');
  await writeFile(join(dir, 'c.JSON'), 'c');
  await writeFile(join(dir, 'notes.txt'), 'ignored');
  await mkdir(join(dir, 'sub.yaml'));
  const one = join(dir, 'a.yaml');
  const got = await readSources([one, dir, '-'], stdin('from stdin'));
  assert.deepEqual(got, [
    { name: one, text: 'a' },
    { name: join(dir, 'a.yaml'), text: 'a' },
    { name: join(dir, 'b.yml'), text: 'b' },
    { name: join(dir, 'c.JSON'), text: 'c' },
    { name: '-', text: 'from stdin' },
  ]);
});

test('what cannot be read is an input error that names the path', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-sources-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await assert.rejects(readSources([join(dir, 'missing.yaml')], stdin('')), (e: unknown) => e instanceof SourceReadError && /missing\.yaml: no such file or directory/.test(e.message));
  await assert.rejects(readSources([dir], stdin('')), (e: unknown) => e instanceof SourceReadError && /holds no \*\.yaml/.test(e.message));
});

test('stdin at most once, and at least one -f', async () => {
  await assert.rejects(readSources(['-', '-'], stdin('')), UsageError);
  await assert.rejects(readSources([], stdin('')), UsageError);
});
