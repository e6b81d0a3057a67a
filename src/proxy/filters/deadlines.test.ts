import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { Deadlines, type DeadlineTarget } from './deadlines.ts';

function recorder(clock: VirtualClock, seen: string[], name: string): DeadlineTarget {
  return { onDeadline: () => seen.push(`${name}@${clock.monotonic()}`) };
}

test('each deadline fires at its own instant, in order, on one clock timer', () => {
  const clock = new VirtualClock(0);
  const d = new Deadlines(clock, 100);
  const seen: string[] = [];
  d.start(recorder(clock, seen, 'a'));
  clock.advance(30);
  d.start(recorder(clock, seen, 'b'));
  clock.advance(5);
  d.start(recorder(clock, seen, 'c'));
  assert.equal(clock.pendingCount, 1, 'one clock timer for three deadlines');
  clock.advance(64);
  assert.deepEqual(seen, []);
  clock.advance(1);
  assert.deepEqual(seen, ['a@100']);
  clock.advance(100);
  assert.deepEqual(seen, ['a@100', 'b@130', 'c@135']);
  assert.equal(d.live, 0);
  assert.equal(clock.pendingCount, 0);
});

test('cancelled deadlines never fire; when none is left the clock timer is cancelled too', () => {
  const clock = new VirtualClock(0);
  const d = new Deadlines(clock, 50);
  const seen: string[] = [];
  const a = d.start(recorder(clock, seen, 'a'));
  clock.advance(10);
  const b = d.start(recorder(clock, seen, 'b'));
  a.cancel();
  a.cancel();
  assert.equal(d.live, 1);
  clock.advance(45);
  assert.deepEqual(seen, [], 'a was cancelled; b is due at 60');
  clock.advance(5);
  assert.deepEqual(seen, ['b@60']);
  b.cancel();
  assert.equal(d.live, 0);
  const c = d.start(recorder(clock, seen, 'c'));
  assert.equal(clock.pendingCount, 1);
  c.cancel();
  assert.equal(clock.pendingCount, 0, 'an idle proxy keeps no timer');
  d.start(recorder(clock, seen, 'd'));
  clock.advance(50);
  assert.deepEqual(seen, ['b@60', 'd@110']);
});

test('a target may start and cancel deadlines while it runs', () => {
  const clock = new VirtualClock(0);
  const d = new Deadlines(clock, 20);
  const seen: string[] = [];
  const later = d.start(recorder(clock, seen, 'never'));
  clock.advance(1);
  d.start({
    onDeadline: () => {
      seen.push(`x@${clock.monotonic()}`);
      d.start(recorder(clock, seen, 'y'));
    },
  });
  d.start({ onDeadline: () => seen.push(`z@${clock.monotonic()}`) });
  later.cancel();
  clock.advance(100);
  assert.deepEqual(seen, ['x@21', 'z@21', 'y@41']);
  assert.equal(clock.pendingCount, 0);
});

test('thousands of deadlines, most cancelled: the live ones still fire on time', () => {
  const clock = new VirtualClock(0);
  const d = new Deadlines(clock, 1_000);
  let fired = 0;
  const target: DeadlineTarget = { onDeadline: () => fired++ };
  for (let t = 0; t < 10_000; t++) {
    const x = d.start(target);
    if (t % 100 !== 0) x.cancel();
    clock.advance(1);
  }
  assert.equal(fired, 91, 'the live ones started at or before 9 000 ms (t = 0, 100, …, 9 000)');
  clock.advance(1_000);
  assert.equal(fired, 100);
  assert.equal(d.live, 0);
  assert.equal(clock.pendingCount, 0);
});
