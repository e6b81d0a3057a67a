// Exit status mapping: the code, or 128 + the signal's number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeExit, exitStatusOf } from './exit-status.ts';

test('a code passes through; a signal becomes 128 + its number', () => {
  assert.equal(exitStatusOf(0, null), 0);
  assert.equal(exitStatusOf(7, null), 7);
  assert.equal(exitStatusOf(null, 'SIGINT'), 130);
  assert.equal(exitStatusOf(null, 'SIGTERM'), 143);
  assert.equal(exitStatusOf(null, 'SIGKILL'), 137);
  assert.equal(exitStatusOf(null, 'SIGHUP'), 129);
  assert.equal(exitStatusOf(null, null), 1);
  assert.equal(describeExit(3, null), 'exited with status 3');
  assert.equal(describeExit(null, 'SIGTERM'), 'was killed by SIGTERM');
});
