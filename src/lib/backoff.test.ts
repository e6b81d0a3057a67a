import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffDelay } from './backoff.ts';

const policy = { baseMs: 100, maxMs: 1_000 };

test('the ceiling doubles per attempt and stops at maxMs', () => {
  const top = () => 1 - Number.EPSILON;
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => Math.round(backoffDelay(n, policy, top))), [100, 200, 400, 800, 1000, 1000]);
});

test('full jitter: the wait is uniform between min and the ceiling', () => {
  assert.equal(backoffDelay(3, policy, () => 0), 0);
  assert.equal(backoffDelay(3, policy, () => 0.5), 400);
  assert.equal(backoffDelay(3, { ...policy, minMs: 50 }, () => 0), 50);
  assert.equal(backoffDelay(3, { ...policy, minMs: 50 }, () => 0.5), 50 + 0.5 * 750);
});

test('huge attempt numbers stay finite', () => {
  assert.equal(backoffDelay(10_000, policy, () => 0.5), 500);
  assert.equal(backoffDelay(-3, policy, () => 0.5), 50);
});

test('Backoff counts attempts until reset', () => {
  const b = new Backoff(policy, () => 0.5);
  assert.deepEqual([b.next(), b.next(), b.next()], [50, 100, 200]);
  assert.equal(b.attempt, 3);
  b.reset();
  assert.equal(b.attempt, 0);
  assert.equal(b.next(), 50);
});
