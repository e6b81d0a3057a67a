// Tests of the span batcher on virtual time: batches by size and by time, one in flight, a bounded queue that drops and counts, failures counted, close flushes, groups never mixed, bodies intact across buffer growth, buffers reused only once released.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import type { SpanRecord } from '../../model/trace.ts';
import { flush, runFor } from '../filters/test-fixtures.ts';
import { SpanBatcher, type BatchFormat } from './tracing-export.ts';

/** A JSON list of span ids: what the batcher writes is checked by decoding it. */
const IDS: BatchFormat<SpanRecord> = { group: () => '', open: (_s, out) => out.raw('['), separator: ',', item: (s, out) => out.number(parseInt(s.spanId, 16)), close: ']' };

const span = (i: number): SpanRecord => ({ traceId: 'a'.repeat(32), spanId: i.toString(16).padStart(16, '0'), name: `GET /${i}`, kind: 'CLIENT', startUs: 1, durationUs: 1, service: 's.default', node: 's-1.default', error: false, tags: {} });

function collector(): { batches: number[][]; release: () => void; hold: boolean; fail: boolean; send: (body: Buffer) => Promise<void> } {
  const c = {
    batches: [] as number[][],
    hold: false,
    fail: false,
    pending: [] as (() => void)[],
    release(): void { for (const r of c.pending.splice(0)) r(); },
    send(body: Buffer): Promise<void> {
      c.batches.push(JSON.parse(body.toString('utf8')) as number[]);
      if (c.fail) return Promise.reject(new Error('collector down'));
      return c.hold ? new Promise<void>((r) => c.pending.push(r)) : Promise.resolve();
    },
  };
  return c;
}

test('a partial batch waits flushMs; a full batch goes at once, from a timer, never inside add()', async () => {
  const clock = new VirtualClock(0);
  const c = collector();
  const b = new SpanBatcher('t', IDS, (body) => c.send(body), { clock, maxQueueBytes: 1 << 30, maxBatchBytes: 1 << 30, maxQueue: 100, batchSize: 3, flushMs: 1000 });
  b.add(span(1));
  b.add(span(2));
  await runFor(clock, 999);
  assert.deepEqual(c.batches, []);
  await runFor(clock, 1);
  assert.deepEqual(c.batches, [[1, 2]]);
  b.add(span(3)); b.add(span(4)); b.add(span(5));
  assert.deepEqual(c.batches, [[1, 2]], 'not sent synchronously');
  await runFor(clock, 0);
  assert.deepEqual(c.batches, [[1, 2], [3, 4, 5]]);
  assert.deepEqual(b.stats, { exported: 5, dropped: 0, failed: 0 });
});

test('one batch in flight; the queue is bounded: overflow is dropped and counted; failures are counted', async () => {
  const clock = new VirtualClock(0);
  const c = collector();
  c.hold = true;
  const b = new SpanBatcher('t', IDS, (body) => c.send(body), { clock, maxQueueBytes: 1 << 30, maxBatchBytes: 1 << 30, maxQueue: 4, batchSize: 2, flushMs: 100 });
  for (let i = 1; i <= 2; i++) b.add(span(i));
  await runFor(clock, 0);
  assert.deepEqual(c.batches, [[1, 2]]);
  for (let i = 3; i <= 8; i++) b.add(span(i));
  await runFor(clock, 500);
  assert.deepEqual(c.batches, [[1, 2]], 'nothing more while one is in flight');
  assert.equal(b.stats.dropped, 2, 'spans 7 and 8 found the queue full');
  c.hold = false;
  c.release();
  await flush();
  await runFor(clock, 0);
  await runFor(clock, 0);
  assert.deepEqual(c.batches, [[1, 2], [3, 4], [5, 6]]);
  c.fail = true;
  b.add(span(9));
  await runFor(clock, 100);
  assert.deepEqual(b.stats, { exported: 6, dropped: 2, failed: 1 });
});

test('bounded in bytes too: a batch is sealed once its body reaches maxBatchBytes, and spans are dropped while sealed bodies hold maxQueueBytes', async () => {
  const clock = new VirtualClock(0);
  const c = collector();
  c.hold = true;
  // Each item is 1–2 digits plus a comma; '[1,2,3' is 6 bytes: sealed at the third span.
  const b = new SpanBatcher('t', IDS, (body) => c.send(body), { clock, maxQueueBytes: 14, maxBatchBytes: 6, maxQueue: 1000, batchSize: 1000, flushMs: 60_000 });
  for (let i = 1; i <= 3; i++) b.add(span(i));
  await runFor(clock, 0);
  assert.deepEqual(c.batches, [[1, 2, 3]], 'sealed by bytes, long before batchSize or flushMs');
  // [1,2,3] is in flight; [4,5,6] and [7,8,9] (7 bytes each with the bracket) fill maxQueueBytes.
  for (let i = 4; i <= 12; i++) b.add(span(i));
  assert.equal(b.stats.dropped, 3, 'spans 10–12 found 14 bytes of sealed bodies waiting');
  c.hold = false;
  c.release();
  await flush();
  for (let i = 0; i < 3; i++) await runFor(clock, 0);
  assert.deepEqual(c.batches, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  b.add(span(13));
  assert.equal(b.stats.dropped, 3, 'room again once they were sent');
  await b.close();
  assert.deepEqual(c.batches.at(-1), [13]);
});

test('close() sends what is queued at once and then refuses new spans', async () => {
  const clock = new VirtualClock(0);
  const c = collector();
  const b = new SpanBatcher('t', IDS, (body) => c.send(body), { clock, maxQueueBytes: 1 << 30, maxBatchBytes: 1 << 30, maxQueue: 10, batchSize: 2, flushMs: 60_000 });
  for (let i = 1; i <= 3; i++) b.add(span(i));
  await b.close();
  assert.deepEqual(c.batches, [[1, 2], [3]]);
  b.add(span(4));
  assert.equal(b.stats.dropped, 1);
  assert.equal(clock.nextDelay(), null, 'no timer left');
});

test('spans of different groups never share a body; a body survives its buffer growing', async () => {
  const clock = new VirtualClock(0);
  const bodies: string[] = [];
  const fmt: BatchFormat<{ g: string; text: string }> = { group: (s) => s.g, open: (s, out) => out.raw(`{"g":"${s.g}","items":[`), separator: ',', item: (s, out) => out.string(s.text), close: ']}' };
  const b = new SpanBatcher('t', fmt, (body) => { bodies.push(body.toString('utf8')); return Promise.resolve(); }, { clock, maxQueueBytes: 1 << 30, maxBatchBytes: 1 << 30, maxQueue: 1000, batchSize: 100, flushMs: 10 });
  const long = 'é'.repeat(20_000);
  b.add({ g: 'a', text: 'x' });
  b.add({ g: 'a', text: long });
  b.add({ g: 'b', text: 'y' });
  await runFor(clock, 20);
  await runFor(clock, 20);
  b.add({ g: 'b', text: 'z' });
  await runFor(clock, 20);
  assert.deepEqual(bodies.map((x) => JSON.parse(x) as unknown), [{ g: 'a', items: ['x', long] }, { g: 'b', items: ['y'] }, { g: 'b', items: ['z'] }]);
  assert.deepEqual(b.stats, { exported: 4, dropped: 0, failed: 0 });
});

test('a buffer carries the next batch only when the sender says the transport let go of it', async () => {
  for (const released of [true, false, undefined]) {
    const clock = new VirtualClock(0);
    const seen: { buffer: ArrayBufferLike; text: string }[] = [];
    const b = new SpanBatcher('t', IDS, (body) => {
      seen.push({ buffer: body.buffer, text: body.toString('utf8') });
      return Promise.resolve(released);
    }, { clock, maxQueueBytes: 1 << 30, maxBatchBytes: 1 << 30, maxQueue: 100, batchSize: 2, flushMs: 10 });
    for (let round = 0; round < 3; round++) {
      b.add(span(2 * round));
      b.add(span(2 * round + 1));
      await runFor(clock, 20);
    }
    // Every body intact, whichever memory it was written in.
    assert.deepEqual(seen.map((x) => x.text), ['[0,1]', '[2,3]', '[4,5]']);
    const reused = seen[1]!.buffer === seen[0]!.buffer && seen[2]!.buffer === seen[0]!.buffer;
    const fresh = seen[1]!.buffer !== seen[0]!.buffer && seen[2]!.buffer !== seen[1]!.buffer;
    assert.ok(released === true ? reused : fresh, `released ${String(released)}: ${reused ? 'reused' : 'not reused'}`);
  }
});
