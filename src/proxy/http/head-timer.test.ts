// HeadTimer: Envoy's request_headers_timeout for one connection, armed by a partial head and disarmed by a complete one.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { HeadTimer } from './head-timer.ts';

test('armed by a partial head, once; disarmed when the head completes; fires after the timeout', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let fired = 0;
    const t = new HeadTimer(1_000, () => { fired++; });
    t.check(false);
    mock.timers.tick(5_000);
    assert.equal(fired, 0, 'no partial head, no timer');
    t.check(true);
    mock.timers.tick(600);
    t.check(true); // more bytes of the same head do not push the deadline back
    mock.timers.tick(399);
    assert.equal(fired, 0);
    mock.timers.tick(1);
    assert.equal(fired, 1);
    t.check(true);
    mock.timers.tick(500);
    t.check(false); // the head completed
    mock.timers.tick(5_000);
    assert.equal(fired, 1);
    t.check(true);
    t.stop();
    mock.timers.tick(5_000);
    assert.equal(fired, 1);
  } finally {
    mock.timers.reset();
  }
});
