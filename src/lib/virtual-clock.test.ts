import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from './virtual-clock.ts';

test('time moves only on advance, and timers fire in due order at their own instant', () => {
  const clock = new VirtualClock(1_000);
  const seen: string[] = [];
  clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => seen.push(`c@${clock.now()}`), 20);
  assert.equal(clock.now(), 1_000);
  assert.equal(clock.nextDelay(), 10);
  assert.equal(clock.advance(15), 1);
  assert.deepEqual(seen, ['a@1010']);
  assert.equal(clock.now(), 1_015);
  assert.equal(clock.monotonic(), 15);
  clock.advance(100);
  assert.deepEqual(seen, ['a@1010', 'b@1020', 'c@1020']);
  assert.equal(clock.now(), 1_115);
  assert.equal(clock.pendingCount, 0);
});

test('cancelled timers never fire; timers set by a callback fire within the same advance', () => {
  const clock = new VirtualClock(0);
  const seen: number[] = [];
  clock.setTimeout(() => seen.push(1), 5).cancel();
  clock.setTimeout(() => clock.setTimeout(() => seen.push(clock.now()), 5), 5);
  clock.advance(10);
  assert.deepEqual(seen, [10]);
});

test('runNext jumps to the next timer', () => {
  const clock = new VirtualClock(0);
  assert.equal(clock.runNext(), false);
  let fired = false;
  clock.setTimeout(() => (fired = true), 86_400_000);
  assert.equal(clock.runNext(), true);
  assert.equal(fired, true);
  assert.equal(clock.now(), 86_400_000);
});

test('a callback that re-arms itself at zero delay is reported, not looped on forever', () => {
  const clock = new VirtualClock(0);
  const again = (): void => void clock.setTimeout(again, 0);
  clock.setTimeout(again, 0);
  assert.throws(() => clock.advance(1), /more than 100000 timers/);
});
