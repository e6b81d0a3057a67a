import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, formatDuration } from './duration.ts';

test('parses the duration forms Istio accepts', () => {
  assert.equal(parseDuration('3s'), 3000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('100ms'), 100);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('0s'), 0);
});

test('rejects what is not a duration', () => {
  for (const bad of ['', '3', 's', '-1s', '1 s', '1sec', '1.2.3s']) assert.equal(parseDuration(bad), null, bad);
});

test('formats milliseconds back', () => {
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(60_000), '1m');
});
