// kill -9 of a process in the middle of applying batches loses nothing it acknowledged and never leaves half a batch.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsStore } from '../../src/controlplane/store/fs-store.ts';
import { contentAt } from './store-crash-plan.ts';

const CHILD = new URL('./store-crash-child.ts', import.meta.url).pathname;

/** Runs the child until it has acknowledged `minAcks` batches, waits a random 0–25 ms more, kills it with SIGKILL; returns every acknowledged revision. */
function runAndKill(dir: string, minAcks: number): Promise<{ opened: number; acks: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: number[] = [];
    let opened = -1;
    let buf = '';
    let stderr = '';
    let killing = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [word, n] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (word === 'open') opened = Number(n);
        if (word === 'ack') acks.push(Number(n));
      }
      if (!killing && acks.length >= minAcks) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 25));
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child ended by itself (code ${code}): ${stderr}`));
      else resolve({ opened, acks });
    });
  });
}

describe('FsStore survives kill -9', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps every acknowledged batch and exactly the content of one revision, over 6 crashes', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-crash-'));
    dirs.push(dir);
    let lastRevision = 0;
    for (let round = 0; round < 6; round++) {
      const { opened, acks } = await runAndKill(dir, 5 + Math.floor(Math.random() * 60));
      assert.equal(opened, lastRevision, 'the child reopened at the revision the previous check saw');
      const lastAck = acks.at(-1) ?? 0;
      assert.ok(lastAck >= opened + 5);
      const store = await FsStore.open({ dir });
      try {
        // Every acknowledged batch is there; at most the one in flight at the kill is also there.
        assert.ok(store.revision >= lastAck, `revision ${store.revision} < last acknowledged ${lastAck}`);
        assert.ok(store.revision <= lastAck + 1, `revision ${store.revision} > last acknowledged ${lastAck} + 1`);
        assert.deepEqual(store.list(), contentAt(store.revision));
        lastRevision = store.revision;
      } finally {
        await store.close();
      }
    }
  });
});
