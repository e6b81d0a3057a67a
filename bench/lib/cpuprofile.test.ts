// Tests of the .cpuprofile reader: self time per function and file, idle excluded, time windows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shortUrl, summarizeProfile, type CpuProfile } from './cpuprofile.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

// Ticks every 100 µs from t = 1000: idle, parse ×3, write ×2, gc, parse (from another tree node).
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('parseHead', 'file:///repo/src/proxy/http/codec-h1.ts', 415) },
    { id: 4, callFrame: frame('writev') },
    { id: 5, callFrame: frame('(garbage collector)') },
    { id: 6, callFrame: frame('parseHead', 'file:///repo/src/proxy/http/codec-h1.ts', 415) },
  ],
  startTime: 1000,
  endTime: 1800,
  samples: [2, 3, 3, 3, 4, 4, 5, 6],
  timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100],
};

test('self time is merged per function and position, idle is left out of the busy share', () => {
  const s = summarizeProfile(PROFILE, '/repo');
  assert.equal(s.totalMs, 0.8);
  assert.equal(s.idleMs, 0.1);
  assert.ok(Math.abs(s.busyMs - 0.7) < 1e-9);
  assert.deepEqual(s.functions.map((r) => [r.name, r.selfMs]), [
    ['parseHead src/proxy/http/codec-h1.ts:416', 0.4],
    ['writev', 0.2],
    ['(garbage collector)', 0.1],
  ]);
  assert.ok(Math.abs(s.functions[0]!.percent - (100 * 4) / 7) < 1e-9);
  assert.deepEqual(s.files.map((r) => r.name), ['src/proxy/http/codec-h1.ts', 'writev', '(garbage collector)']);
});

test('a window keeps only the samples taken inside it', () => {
  // Samples are at t = 1100, 1200, …, 1800; the window [1350, 1650] holds 1400, 1500, 1600.
  const s = summarizeProfile(PROFILE, '/repo', 20, [[1350, 1650]]);
  assert.deepEqual(s.functions.map((r) => [r.name, r.selfMs]), [['writev', 0.2], ['parseHead src/proxy/http/codec-h1.ts:416', 0.1]]);
});

test('top-N cuts the list; an empty profile is all zeros', () => {
  assert.equal(summarizeProfile(PROFILE, '/repo', 1).functions.length, 1);
  const empty = summarizeProfile({ nodes: [], startTime: 0, endTime: 0 }, '/repo');
  assert.deepEqual([empty.totalMs, empty.busyMs, empty.functions.length], [0, 0, 0]);
});

test('URLs are shortened to the repository, node_modules or node:', () => {
  assert.equal(shortUrl('file:///repo/src/a.ts', '/repo'), 'src/a.ts');
  assert.equal(shortUrl('file:///repo/node_modules/pino/lib/x.js', '/repo/'), 'node_modules/pino/lib/x.js');
  assert.equal(shortUrl('node:internal/tls/wrap', '/repo'), 'node:internal/tls/wrap');
  assert.equal(shortUrl('', '/repo'), '');
});
