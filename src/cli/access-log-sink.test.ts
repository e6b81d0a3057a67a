// `--access-log FILE`: the sink appends each batch synchronously (after what the file held), and says so, so that the access log may reuse its buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessLogStream } from './commands/run.ts';

test('a file destination appends synchronously; -, stderr and off keep their meaning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-al-'));
  try {
    const file = join(dir, 'access.log');
    writeFileSync(file, 'earlier\n');
    const sink = accessLogStream(file)!;
    assert.equal(sink.writesSynchronously, true);
    const buf = Buffer.from('{"a":1}\n');
    sink.write(buf);
    buf.write('{"b":2}\n');
    sink.write(buf);
    assert.equal(readFileSync(file, 'utf8'), 'earlier\n{"a":1}\n{"b":2}\n', 'each write is in the file when it returns');
    assert.equal(accessLogStream('-'), undefined);
    assert.equal(accessLogStream('off'), null);
    assert.equal(accessLogStream('stderr'), process.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
