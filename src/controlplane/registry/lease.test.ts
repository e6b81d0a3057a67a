// LeaseTable on virtual time: lapse exactly at the TTL, renewal, revocation, one timer, and no lapse after the process itself stalled.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import { LeaseTable, STALL_GRACE_MS, STALL_MS } from './lease.ts';

function table(ttlMs = 1000) {
  const clock = new VirtualClock();
  const expired: string[][] = [];
  const leases = new LeaseTable({ ttlMs, clock, onExpire: (keys) => expired.push([...keys]) });
  return { clock, expired, leases };
}

describe('LeaseTable', () => {
  it('lapses a lease exactly ttl after its grant', () => {
    const { clock, expired, leases } = table();
    leases.grant('a');
    clock.advance(999);
    assert.ok(leases.has('a'));
    clock.advance(1);
    assert.equal(leases.has('a'), false);
    assert.deepEqual(expired, [['a']]);
    assert.equal(clock.pendingCount, 0, 'no timer left once nothing is leased');
  });

  it('keeps a renewed lease alive and lapses the others on time', () => {
    const { clock, expired, leases } = table();
    leases.grant('a');
    clock.advance(400);
    leases.grant('b');
    for (let i = 0; i < 5; i++) {
      clock.advance(300);
      assert.ok(leases.renew('a'));
    }
    assert.deepEqual(expired, [['b']]);
    assert.ok(leases.has('a'));
    assert.equal(leases.expiresAt('a'), clock.now() + 1000);
  });

  it('refuses to renew what is unknown, revoked or lapsed', () => {
    const { clock, leases } = table();
    assert.equal(leases.renew('x'), false);
    leases.grant('a');
    assert.ok(leases.revoke('a'));
    assert.equal(leases.renew('a'), false);
    leases.grant('b');
    clock.advance(1000);
    assert.equal(leases.renew('b'), false);
  });

  it('does not report a revoked key as expired, and close stops the timer', () => {
    const { clock, expired, leases } = table();
    leases.grant('a');
    leases.revoke('a');
    leases.grant('b');
    leases.close();
    assert.equal(clock.pendingCount, 0);
    clock.advance(5000);
    assert.deepEqual(expired, []);
  });

  it('expires leases that lapse together in one call', () => {
    const { clock, expired, leases } = table();
    leases.grant('a');
    leases.grant('b');
    clock.advance(1000);
    assert.deepEqual(expired, [['a', 'b']]);
  });

  it('lapses nobody when its own sweep ran late (a stalled process): leases past due get a grace, renewals in it count', () => {
    const { clock, expired, leases } = table(10_000);
    leases.grant('a');
    leases.grant('b');
    clock.advance(3_000);
    assert.ok(leases.renew('a'));
    // Blocked for 12 s: both deadlines pass with no timer run and no renewal read.
    clock.stall(12_000);
    clock.advance(0);
    assert.deepEqual(expired, [], 'a sweep 5 s late lapses nobody');
    assert.ok(leases.has('a') && leases.has('b'));
    // The renewal that waited in the socket is read now; b's sidecar is gone.
    assert.ok(leases.renew('a'));
    clock.advance(STALL_GRACE_MS - 1);
    assert.deepEqual(expired, []);
    clock.advance(1);
    assert.deepEqual(expired, [['b']], 'b lapses at the end of the grace');
    assert.ok(leases.has('a'));
    clock.advance(10_000);
    assert.deepEqual(expired, [['b'], ['a']], 'a lapses normally when no longer renewed');
  });

  it('lapses on time when the sweep is late by less than STALL_MS', () => {
    const { clock, expired, leases } = table(10_000);
    leases.grant('a');
    clock.advance(9_500);
    clock.stall(STALL_MS);
    clock.advance(0);
    assert.deepEqual(expired, [['a']]);
  });

  it('rejects a non-positive TTL', () => {
    assert.throws(() => table(0), RangeError);
  });
});
