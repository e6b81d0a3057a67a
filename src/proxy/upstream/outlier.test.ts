// Outlier detection on virtual time: ejection at the threshold, growing ejection time, the
// maxEjectionPercent cap, panic under minHealthPercent, and the return after the ejection time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/virtual-clock.ts';
import type { OutlierPolicy } from '../../model/proxy-config.ts';
import { OutlierDetector, type HostMonitor, type OutlierHost } from './outlier.ts';

interface Host extends OutlierHost { readonly id: string }

const POLICY: OutlierPolicy = {
  consecutive5xxErrors: 5,
  consecutiveGatewayErrors: 0,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 100,
  minHealthPercent: 0,
};

function setup(n: number, policy: Partial<OutlierPolicy> = {}): { clock: VirtualClock; od: OutlierDetector<Host>; hosts: Host[]; mon: (i: number) => HostMonitor; ids: () => string[] } {
  const clock = new VirtualClock(0);
  const od = new OutlierDetector<Host>({ ...POLICY, ...policy }, clock);
  const hosts: Host[] = Array.from({ length: n }, (_, i) => ({ id: `h${i}`, outlier: null }));
  od.setHosts(hosts);
  return { clock, od, hosts, mon: (i) => hosts[i]!.outlier!, ids: () => od.eligible().map((h) => h.id) };
}

function fail(m: HostMonitor, times: number, status = 500): void {
  for (let i = 0; i < times; i++) m.putStatus(status);
}

test('ejects at exactly consecutive5xxErrors; a success in between resets the count', () => {
  const { od, mon, ids } = setup(3);
  fail(mon(0), 4);
  mon(0).putStatus(200);
  fail(mon(0), 4);
  assert.deepEqual(ids(), ['h0', 'h1', 'h2'], 'never 5 in a row');
  mon(0).putStatus(503);
  assert.deepEqual(ids(), ['h1', 'h2'], 'the fifth consecutive 5xx ejects');
  assert.equal(od.ejectedCount, 1);
  assert.equal(mon(0).ejections, 1);
});

test('4xx is a success; consecutiveGatewayErrors counts only 502/503/504 and local failures mapped to them', () => {
  const { mon, ids } = setup(3, { consecutive5xxErrors: 0, consecutiveGatewayErrors: 3 });
  fail(mon(1), 10, 404);
  fail(mon(1), 10, 500);
  assert.deepEqual(ids(), ['h0', 'h1', 'h2'], '500 is not a gateway error; 5xx detection is off (0)');
  fail(mon(1), 2, 502);
  mon(1).putStatus(500);
  fail(mon(1), 2, 504);
  assert.deepEqual(ids(), ['h0', 'h1', 'h2'], 'a non-gateway 5xx resets the gateway count');
  mon(1).putStatus(503);
  assert.deepEqual(ids(), ['h0', 'h2']);
});

test('returns after baseEjectionTime (lazily on pick, and on the interval timer)', () => {
  const { clock, mon, ids } = setup(3, { intervalMs: 1_000, baseEjectionTimeMs: 30_000 });
  fail(mon(2), 5);
  assert.deepEqual(ids(), ['h0', 'h1']);
  clock.advance(29_999);
  assert.deepEqual(ids(), ['h0', 'h1'], 'still out just before');
  clock.advance(1);
  assert.deepEqual(ids(), ['h0', 'h1', 'h2'], 'back at 30 s');
  assert.equal(mon(2).consecutive5xx, 0, 'counters reset on return');
  // Without anyone picking, the interval timer returns it too.
  fail(mon(1), 5);
  clock.advance(30_000);
  assert.equal(mon(1).ejected, false);
});

test('the ejection time grows with each ejection in a row and decays while the host stays healthy', () => {
  const { clock, mon } = setup(3, { intervalMs: 10_000, baseEjectionTimeMs: 30_000 });
  const m = mon(0);
  fail(m, 5);
  assert.equal(m.ejectedUntil - clock.monotonic(), 30_000, 'first ejection: 1 × base');
  clock.advance(30_000);
  assert.equal(m.ejected, false);
  fail(m, 5);
  assert.equal(m.ejectedUntil - clock.monotonic(), 60_000, 'second in a row: 2 × base');
  clock.advance(60_000);
  fail(m, 5);
  assert.equal(m.ejectedUntil - clock.monotonic(), 90_000, 'third: 3 × base');
  clock.advance(90_000);
  assert.equal(m.ejected, false);
  assert.equal(m.backoff, 3);
  // Healthy for whole intervals: the multiplier decays by one per interval.
  clock.advance(20_000);
  assert.equal(m.backoff, 1);
  fail(m, 5);
  assert.equal(m.ejectedUntil - clock.monotonic(), 60_000, 'after decay to 1, the next ejection is 2 × base');
  assert.equal(m.ejections, 4);
});

test('the ejection time is capped at max(300 s, base)', () => {
  const { clock, od, mon } = setup(2, { baseEjectionTimeMs: 100_000, intervalMs: 1_000_000 });
  const m = mon(0);
  for (let i = 0; i < 5; i++) {
    fail(m, 5);
    assert.ok(m.ejectedUntil - clock.monotonic() <= 300_000);
    clock.advance(m.ejectedUntil - clock.monotonic());
    od.eligible();
    assert.ok(!m.ejected, 'returned lazily by the pick');
  }
  fail(m, 5);
  assert.equal(m.ejectedUntil - clock.monotonic(), 300_000);
});

test('maxEjectionPercent: eject only while 100 × (ejected + 1) / hosts ≤ the percent', () => {
  const { od, mon, ids } = setup(3, { maxEjectionPercent: 50 });
  fail(mon(0), 5);
  fail(mon(1), 5);
  assert.deepEqual(ids(), ['h1', 'h2'], '1/3 = 33 % ejected; a second would be 67 % > 50 %');
  assert.equal(od.ejectedCount, 1);
  assert.equal(mon(1).consecutive5xx, 0, 'the refused trigger still resets the counter (Envoy)');
  const ten = setup(3, { maxEjectionPercent: 10 });
  fail(ten.mon(0), 5);
  assert.equal(ten.od.ejectedCount, 0, 'no "at least one host" rule: 33 % > 10 % ejects nothing');
  const all = setup(2, { maxEjectionPercent: 100 });
  fail(all.mon(0), 5);
  fail(all.mon(1), 5);
  assert.deepEqual(all.ids(), [], 'with 100 % every host can go, and minHealthPercent 0 leaves none (503 UH)');
});

test('minHealthPercent: below the healthy share, ejections are ignored (panic)', () => {
  const { od, mon, ids } = setup(4, { minHealthPercent: 60 });
  fail(mon(0), 5);
  assert.deepEqual(ids(), ['h1', 'h2', 'h3'], '75 % healthy × 1.4 ≥ 100 %: no panic');
  fail(mon(1), 5);
  assert.deepEqual(ids(), ['h0', 'h1', 'h2', 'h3'], '50 % healthy < 60 %: panic, balance across all');
  assert.equal(od.panic, true);
  assert.equal(od.ejectedCount, 2, 'the hosts stay ejected underneath');
});

test('membership changes keep the state of hosts still present and drop the rest', () => {
  const { od, hosts, mon, ids } = setup(3);
  fail(mon(0), 5);
  const kept = mon(0);
  const extra: Host = { id: 'h3', outlier: null };
  od.setHosts([hosts[0]!, hosts[1]!, extra]);
  assert.equal(hosts[0]!.outlier, kept);
  assert.equal(hosts[2]!.outlier, null, 'a host that left is detached');
  assert.deepEqual(ids(), ['h1', 'h3']);
  od.setHosts([hosts[1]!, extra]);
  assert.equal(od.ejectedCount, 0, 'an ejected host that left no longer counts');
  od.destroy();
  assert.equal(hosts[1]!.outlier, null);
});

test('the interval timer runs only while something is ejected or decaying', () => {
  const { clock, od, mon } = setup(2, { intervalMs: 1_000, baseEjectionTimeMs: 2_000 });
  assert.equal(clock.pendingCount, 0, 'an idle cluster costs no timer');
  fail(mon(0), 5);
  assert.equal(clock.pendingCount, 1);
  clock.advance(2_000);
  clock.advance(5_000);
  assert.equal(mon(0).backoff, 0);
  assert.equal(clock.pendingCount, 0, 'stopped once decayed');
  fail(mon(1), 5);
  od.destroy();
  assert.equal(clock.pendingCount, 0, 'destroy cancels it');
});
