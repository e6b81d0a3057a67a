// Debouncer on virtual time: quiet period, maximum delay, cancel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { Debouncer } from './debounce.ts';

function setup() {
  const clock = new VirtualClock();
  const fired: number[] = [];
  const d = new Debouncer({ quietMs: 50, maxDelayMs: 500, clock, fire: () => fired.push(clock.monotonic()) });
  return { clock, fired, d };
}

describe('Debouncer', () => {
  it('fires once, quietMs after the last trigger of a burst', () => {
    const { clock, fired, d } = setup();
    d.trigger();
    clock.advance(30);
    d.trigger();
    clock.advance(30);
    d.trigger();
    clock.advance(49);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [110]);
    assert.equal(d.pending, false);
  });

  it('fires at maxDelayMs under a steady trickle, then starts a new burst', () => {
    const { clock, fired, d } = setup();
    for (let i = 0; i < 30; i++) {
      d.trigger();
      clock.advance(40);
    }
    assert.equal(fired[0], 500);
    assert.deepEqual(fired, [500, 1020], "the next burst starts at the first trigger after a fire (520)");
    clock.advance(100);
    assert.deepEqual(fired, [500, 1020, 1210]);
  });

  it('does nothing after cancel', () => {
    const { clock, fired, d } = setup();
    d.trigger();
    d.cancel();
    clock.advance(1000);
    assert.deepEqual(fired, []);
    assert.equal(clock.pendingCount, 0);
  });
});
