// Tests of the benchmark's command-line options (the run itself is `npm run bench`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Chain } from './chain.ts';
import { parseOptions, roundOrder } from './run.ts';

test('defaults follow issue 2: 5 rounds, 1000 req/s for 15 s, 10 s at 64 connections, all chains in order (issue 3 adds weft-resilience, issue 5 the telemetry chains)', () => {
  const o = parseOptions([]);
  assert.notEqual(o, 'help');
  if (o === 'help') return;
  assert.deepEqual([o.rounds, o.rate, o.fixedMs, o.maxMs, o.connections], [5, 1000, 15_000, 10_000, 64]);
  assert.deepEqual(o.chains, ['direct', 'weft', 'weft-resilience', 'weft-telemetry-off', 'weft-trace-1', 'weft-trace-100', 'weft-trace-1-log', 'haproxy']);
  assert.deepEqual([o.maxTool, o.accessLog, o.launcher, o.profile, o.boost, o.write], ['wrk', 'devnull', 'auto', false, true, true]);
});

test('--quick is short and never writes; --chains keeps the a, b, c order', () => {
  const o = parseOptions(['--quick', '--chains', 'haproxy,direct', '--profile']);
  if (o === 'help') throw new Error('unexpected help');
  assert.deepEqual([o.rounds, o.fixedMs, o.maxMs, o.write, o.profile], [1, 3000, 3000, false, true]);
  assert.deepEqual(o.chains, ['direct', 'haproxy']);
});

test('bad values are refused with the option named', () => {
  assert.throws(() => parseOptions(['--rounds', 'many']), /--rounds must be a number/);
  assert.throws(() => parseOptions(['--chains', 'envoy']), /unknown chain "envoy"/);
  assert.throws(() => parseOptions(['--max-tool', 'ab']), /--max-tool/);
  assert.throws(() => parseOptions(['--frobnicate']), /Unknown option/);
  assert.equal(parseOptions(['--help']), 'help');
});

test('issue 5: the telemetry chains can be chosen alone, and keep their place in the order', () => {
  const o = parseOptions(['--quick', '--chains', 'weft-trace-100,weft-telemetry-off,weft-trace-1']);
  if (o === 'help') throw new Error('unexpected help');
  assert.deepEqual(o.chains, ['weft-telemetry-off', 'weft-trace-1', 'weft-trace-100']);
  assert.throws(() => parseOptions(['--chains', 'weft-trace-50']), /unknown chain "weft-trace-50"/);
});

test('issue 5: its chains share one Weft chain when two or more run (unless --separate-telemetry-chains), in every order in turn', () => {
  const all = parseOptions([]);
  const one = parseOptions(['--chains', 'weft,weft-trace-1']);
  const separate = parseOptions(['--chains', 'weft-telemetry-off,weft-trace-1', '--separate-telemetry-chains']);
  if (all === 'help' || one === 'help' || separate === 'help') throw new Error('unexpected help');
  assert.deepEqual([all.sharedTelemetry, one.sharedTelemetry, separate.sharedTelemetry], [true, false, false]);
  const chain = (name: string): Chain => ({ name, description: '', target: { host: '127.0.0.1', port: 1, hostHeader: 'x', path: '/' }, proxies: [], failure: () => null, stop: () => Promise.resolve() }) as Chain;
  const chains = ['direct', 'weft', 'weft-telemetry-off', 'weft-trace-1', 'weft-trace-100', 'haproxy'].map(chain);
  const names = (round: number): string[] => roundOrder(all, chains, round).map((c) => c.name);
  assert.deepEqual(names(1), ['direct', 'weft', 'weft-telemetry-off', 'weft-trace-1', 'weft-trace-100', 'haproxy']);
  assert.deepEqual(names(2), ['direct', 'weft', 'weft-telemetry-off', 'weft-trace-100', 'weft-trace-1', 'haproxy']);
  assert.deepEqual(names(6), ['direct', 'weft', 'weft-trace-100', 'weft-trace-1', 'weft-telemetry-off', 'haproxy']);
  assert.deepEqual(names(7), names(1));
  // Over the six orders, each telemetry chain directly follows each other one equally often.
  const follows = new Map<string, number>();
  for (let r = 1; r <= 6; r++) {
    const t = names(r).filter((n) => n.startsWith('weft-t'));
    for (let i = 1; i < t.length; i++) follows.set(`${t[i - 1]}→${t[i]}`, (follows.get(`${t[i - 1]}→${t[i]}`) ?? 0) + 1);
  }
  assert.equal(follows.size, 6);
  assert.ok([...follows.values()].every((n) => n === 2), JSON.stringify([...follows]));
  assert.deepEqual(roundOrder(separate, chains, 2).map((c) => c.name), names(1), 'separate chains keep their order');
});
