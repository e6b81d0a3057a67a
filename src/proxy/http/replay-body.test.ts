import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Body, type BodySink } from './body.ts';
import { ReplayBody } from './replay-body.ts';
import { relayBody } from './body-relay.ts';

/** A downstream body whose producer records pause/resume, like the connection manager's socket. */
function source(length: number | null): { body: Body; paused: () => boolean } {
  let paused = false;
  const body = new Body(length, { pause: () => { paused = true; }, resume: () => { paused = false; } });
  return { body, paused: () => paused };
}

/** A sink that collects what it is given; `accept` false makes write() report backpressure. */
function collector(accept = true): BodySink & { data: () => string; ended: boolean; error: Error | null } {
  const parts: Buffer[] = [];
  const s = {
    ended: false,
    error: null as Error | null,
    write: (c: Buffer) => {
      parts.push(c);
      return accept;
    },
    end: () => { s.ended = true; },
    abort: (e: Error) => { s.error = e; },
    data: () => Buffer.concat(parts).toString(),
  };
  return s;
}

test('the first attempt streams the body while a copy is kept; a retry gets the kept bytes and then the rest', () => {
  const { body } = source(null);
  const replay = new ReplayBody(body, 1024);
  const first = replay.first();
  const a = collector();
  first.pipe(a);
  body.push(Buffer.from('hello '));
  assert.equal(a.data(), 'hello ');
  assert.equal(replay.complete, false);
  // The attempt failed mid-upload: the retry replays what came so far, then streams the rest.
  const second = replay.next();
  assert.ok(a.error !== null, 'the abandoned attempt body fails, so its connection is not reused');
  const b = collector();
  second.pipe(b);
  assert.equal(b.data(), 'hello ');
  body.push(Buffer.from('world'));
  body.end();
  assert.equal(b.data(), 'hello world');
  assert.equal(b.ended, true);
  assert.equal(replay.complete, true);
  assert.equal(replay.replayable, true);
  assert.equal(replay.keptBytes, 11);
  // A third attempt after completion is whole at once (one write upstream).
  const third = replay.next();
  assert.equal(b.error, null, 'a finished attempt body is left alone');
  assert.deepEqual(third.takeComplete()?.map(String).join(''), 'hello world');
  assert.equal(third.length, null, 'the framing of the original (chunked) is kept');
});

test('past the bound the copy is dropped: the attempt in flight still gets every byte, but there is no replay', () => {
  const { body } = source(null);
  const replay = new ReplayBody(body, 8);
  const a = collector();
  replay.first().pipe(a);
  body.push(Buffer.from('12345'));
  assert.equal(replay.replayable, true);
  body.push(Buffer.from('67890'));
  assert.equal(replay.replayable, false);
  assert.equal(replay.keptBytes, 0);
  body.end();
  assert.equal(a.data(), '1234567890');
  assert.equal(a.ended, true);
  assert.equal(replay.copy(), null);
  assert.throws(() => replay.next(), /not replayable/);
});

test('a body whose Content-Length exceeds the bound is never replayable, from the start', () => {
  const { body } = source(100);
  const replay = new ReplayBody(body, 64);
  assert.equal(replay.replayable, false);
  assert.equal(replay.first().length, 100);
});

test('backpressure passes through: the attempt pauses the downstream body, and resumes it', () => {
  const { body, paused } = source(null);
  const replay = new ReplayBody(body, 1024);
  const slow = collector(false);
  const first = replay.first();
  first.pipe(slow);
  body.push(Buffer.from('x'));
  assert.equal(paused(), true, 'the downstream producer is paused');
  first.resume();
  assert.equal(paused(), false);
  // A retry while paused starts unpaused: the abandoned attempt no longer holds the request back.
  body.push(Buffer.from('y'));
  assert.equal(paused(), true);
  const second = replay.next();
  assert.equal(paused(), false);
  first.resume();
  assert.equal(paused(), false);
  const b = collector();
  second.pipe(b);
  assert.equal(b.data(), 'xy');
});

test('chunks that arrived before the replay took over reach the first attempt; completion callbacks run once', () => {
  const { body } = source(5);
  body.push(Buffer.from('abcde'));
  body.end();
  const replay = new ReplayBody(body, 1024);
  let calls = 0;
  replay.onComplete(() => calls++);
  assert.equal(calls, 1, 'already complete: at once');
  assert.deepEqual(replay.first().takeComplete()?.map(String), ['abcde']);
  const copy = replay.copy();
  assert.ok(copy !== null);
  assert.equal(copy.length, 5);
  assert.deepEqual(copy.takeComplete()?.map(String), ['abcde']);

  const s2 = source(null);
  const r2 = new ReplayBody(s2.body, 0);
  r2.onComplete(() => calls++);
  assert.equal(calls, 1);
  s2.body.push(Buffer.from('z'));
  s2.body.end();
  assert.equal(calls, 2);
  assert.equal(r2.replayable, false, 'a limit of 0 only relays');
});

test('a failed downstream body fails the attempt and never completes', () => {
  const { body } = source(null);
  const replay = new ReplayBody(body, 1024);
  let completed = false;
  replay.onComplete(() => { completed = true; });
  const a = collector();
  replay.first().pipe(a);
  body.fail(new Error('downstream closed the connection'));
  assert.match(a.error?.message ?? '', /downstream closed/);
  assert.equal(replay.replayable, false);
  assert.equal(completed, false);
});

test('drain(): a body no attempt will read is dropped so the downstream keeps flowing', () => {
  const { body, paused } = source(null);
  const replay = new ReplayBody(body, 16);
  replay.first();
  body.push(Buffer.alloc(70 * 1024));
  assert.equal(paused(), true, 'nobody reads: the held bytes pause the downstream');
  replay.drain();
  assert.equal(paused(), false);
  body.push(Buffer.from('more'));
  body.end();
  assert.equal(paused(), false);
});

test('relayBody passes chunks, backpressure and cancel through, and reports the end', () => {
  let cancelled = false;
  let srcPaused = false;
  const src = new Body(null, { pause: () => { srcPaused = true; }, resume: () => { srcPaused = false; }, cancel: () => { cancelled = true; } });
  let done = 0;
  const out = relayBody(src, () => done++);
  const slow = collector(false);
  out.pipe(slow);
  src.push(Buffer.from('a'));
  assert.equal(srcPaused, true);
  out.resume();
  assert.equal(srcPaused, false);
  src.end();
  assert.equal(done, 1);
  assert.equal(slow.ended, true);
  assert.equal(slow.data(), 'a');

  const src2 = new Body(null, { pause: () => {}, resume: () => {}, cancel: () => { cancelled = true; } });
  const out2 = relayBody(src2, () => done++);
  out2.cancel();
  assert.equal(cancelled, true);
  assert.equal(done, 2, 'a cancelled relay is done');
  const src3 = new Body(null, null);
  const out3 = relayBody(src3, () => done++);
  const c3 = collector();
  out3.pipe(c3);
  src3.fail(new Error('upstream reset'));
  assert.equal(done, 3, 'a failed source is done too');
  assert.match(c3.error?.message ?? '', /upstream reset/);
});
