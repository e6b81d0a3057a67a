// jsonString agrees with JSON.stringify on every string the fast path takes and every one it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonString } from './json-string.ts';

test('plain, escaped and non-ASCII strings parse back to themselves', () => {
  for (const s of ['', 'GET /users/7?x=1', 'a"b', 'back\\slash', 'tab\there', 'nl\n', '\u0000\u001f', 'é ünï 𝄞', '\u007f']) {
    assert.equal(JSON.parse(jsonString(s)), s, JSON.stringify(s));
  }
  assert.equal(jsonString('plain'), '"plain"');
});

test('property: JSON.parse(jsonString(s)) === s for any well-formed string', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => JSON.parse(jsonString(s)) === s), { numRuns: 2000 });
});
