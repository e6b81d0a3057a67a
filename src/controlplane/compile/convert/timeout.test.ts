// Tests of http[].timeout conversion: absent and 0s mean no timeout, as in Istio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertTimeout } from './timeout.ts';

test('a timeout becomes milliseconds', () => {
  assert.equal(convertTimeout('3s'), 3000);
  assert.equal(convertTimeout('1.5s'), 1500);
  assert.equal(convertTimeout('250ms'), 250);
  assert.equal(convertTimeout('1m30s'), 90_000);
});

test('no timeout, or 0s, means none at all (Istio disables Envoy\'s 15 s default)', () => {
  assert.equal(convertTimeout(undefined), undefined);
  assert.equal(convertTimeout('0s'), undefined);
  assert.equal(convertTimeout('0'), undefined);
});

test('an invalid duration reaching the compiler is a bug, and fails loudly', () => {
  assert.throws(() => convertTimeout('3 seconds'), /invalid duration/);
});
