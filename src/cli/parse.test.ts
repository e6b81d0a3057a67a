// Option value parsers: what is accepted, and that everything else is refused as a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { collect, collectLabel, parseDurationMs, parseLabel, parseListenPort, parsePort, parsePositiveInt, parseSecondsMs } from './parse.ts';

test('ports: 1..65535, and 0 only where a free port may be picked', () => {
  assert.equal(parsePort('8080'), 8080);
  assert.equal(parsePort(' 65535 '), 65535);
  for (const bad of ['0', '65536', '-1', '80.5', 'http', '', '1e3']) assert.throws(() => parsePort(bad), InvalidArgumentError, bad);
  assert.equal(parseListenPort('0'), 0);
  assert.throws(() => parseListenPort('70000'), InvalidArgumentError);
});

test('positive integers', () => {
  assert.equal(parsePositiveInt('2000'), 2000);
  for (const bad of ['0', '-3', '1.5', 'x']) assert.throws(() => parsePositiveInt(bad), InvalidArgumentError, bad);
});

test('durations use Istio syntax; --duration also takes plain seconds', () => {
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('1500ms'), 1500);
  for (const bad of ['30', '0s', 'soon', '']) assert.throws(() => parseDurationMs(bad), InvalidArgumentError, bad);
  assert.equal(parseSecondsMs('8'), 8000);
  assert.equal(parseSecondsMs('2.5'), 2500);
  assert.equal(parseSecondsMs('1m'), 60_000);
  for (const bad of ['0', '-1', 'ten']) assert.throws(() => parseSecondsMs(bad), InvalidArgumentError, bad);
});

test('labels follow Kubernetes syntax', () => {
  assert.deepEqual(parseLabel('track=canary'), ['track', 'canary']);
  assert.deepEqual(parseLabel('app.kubernetes.io/part-of=shop'), ['app.kubernetes.io/part-of', 'shop']);
  assert.deepEqual(parseLabel('empty='), ['empty', '']);
  for (const bad of ['novalue', '=v', 'bad key=v', 'k=white space', `k=${'x'.repeat(64)}`, '-k=v', 'k=a=b']) {
    assert.throws(() => parseLabel(bad), InvalidArgumentError, bad);
  }
});

test('repeatable options accumulate', () => {
  assert.deepEqual(collect('b.yaml', collect('a.yaml')), ['a.yaml', 'b.yaml']);
  assert.deepEqual(collectLabel('b=2', collectLabel('a=1')), { a: '1', b: '2' });
  assert.deepEqual(collectLabel('a=2', { a: '1' }), { a: '2' });
});
