// Tests of the results: medians per chain, added latency per round, the targets' verdicts, the Markdown section and its insertion above older runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSection, insertSection, judge, judgeResilience, judgeTelemetry, pairedByRound, summarize, RESULTS_HEADER, type ChainInfo, type PhaseMeasurement } from './report.ts';

const MiB = 1024 * 1024;

function m(round: number, chain: PhaseMeasurement['chain'], phase: PhaseMeasurement['phase'], o: Partial<PhaseMeasurement> = {}): PhaseMeasurement {
  return {
    round, chain, phase, tool: phase === 'fixed' ? 'node' : 'wrk', elapsedMs: 10_000, completed: 10_000, errors: 0, throughput: 1000,
    latency: { p50Us: 100, p90Us: 150, p99Us: 300 }, proxyCpuMs: 0, proxyCpuMsEach: [], backendCpuMs: 500, rssPeakBytes: [], rssAnonPeakBytes: [], sendLagP99Us: 5, foreignCpuPct: 0, monoWindowUs: null,
    ...o,
  };
}

const DIRECT: ChainInfo = { name: 'direct', description: 'client → backend', proxyRoles: [], idleRssBytes: [] };
const WEFT: ChainInfo = { name: 'weft', description: 'two sidecars', proxyRoles: ['A', 'B'], idleRssBytes: [50 * MiB, 51 * MiB] };
const HAPROXY: ChainInfo = { name: 'haproxy', description: 'two haproxies', proxyRoles: ['A', 'B'], idleRssBytes: [] };

// Round 2's direct p50 is slow (noise): added latency is taken per round, so it does not leak into the median.
const ALL: PhaseMeasurement[] = [
  m(1, 'direct', 'fixed', { latency: { p50Us: 100, p90Us: 150, p99Us: 300 } }),
  m(1, 'direct', 'max', { throughput: 30_000, completed: 300_000 }),
  m(1, 'weft', 'fixed', { latency: { p50Us: 500, p90Us: 700, p99Us: 1500 }, proxyCpuMs: 1200, rssPeakBytes: [60 * MiB, 70 * MiB], rssAnonPeakBytes: [20 * MiB, 30 * MiB] }),
  m(1, 'weft', 'max', { throughput: 8000, completed: 80_000, proxyCpuMs: 8000, rssPeakBytes: [90 * MiB, 90 * MiB] }),
  m(2, 'direct', 'fixed', { latency: { p50Us: 400, p90Us: 450, p99Us: 900 } }),
  m(2, 'direct', 'max', { throughput: 31_000, completed: 310_000 }),
  m(2, 'weft', 'fixed', { latency: { p50Us: 700, p90Us: 900, p99Us: 2500 }, proxyCpuMs: 1400, rssPeakBytes: [62 * MiB, 72 * MiB] }),
  m(2, 'weft', 'max', { throughput: 9000, completed: 90_000, proxyCpuMs: 9000, rssPeakBytes: [91 * MiB, 91 * MiB] }),
  m(3, 'direct', 'fixed', { latency: { p50Us: 110, p90Us: 160, p99Us: 310 } }),
  m(3, 'direct', 'max', { throughput: 29_000, completed: 290_000 }),
  m(3, 'weft', 'fixed', { latency: { p50Us: 520, p90Us: 720, p99Us: 1700 }, proxyCpuMs: 1300, rssPeakBytes: [61 * MiB, 71 * MiB], errors: 2 }),
  m(3, 'weft', 'max', { throughput: 8500, completed: 85_000, proxyCpuMs: 8500, rssPeakBytes: [92 * MiB, 92 * MiB] }),
];

test('medians over rounds, with added latency taken round by round', () => {
  const w = summarize(WEFT, ALL);
  assert.equal(w.maxRps, 8500);
  assert.equal(w.p50Us, 520);
  assert.equal(w.p99Us, 1700);
  // Per-round differences of p50: 400, 300, 410 → 400 (the median of totals would say 520 − 110 = 410).
  assert.equal(w.addedP50Us, 400);
  assert.equal(w.addedP99Us, 1390);
  assert.equal(w.cpuPerReqFixedUs, 130);
  assert.equal(w.cpuPerReqMaxUs, 100);
  assert.deepEqual(w.rssMiB, [61, 71]);
  assert.equal(w.errors, 2);
  assert.equal(w.requests, 3 * 10_000 + 80_000 + 90_000 + 85_000);
  const d = summarize(DIRECT, ALL);
  assert.ok(Number.isNaN(d.addedP50Us) && Number.isNaN(d.cpuPerReqFixedUs));
  assert.deepEqual(d.rssMiB, []);
  assert.equal(d.backendCpuPerReqFixedUs, 50);
});

test('targets: pass at or under the limit, fail over it or when not measured', () => {
  const rows = judge(summarize(WEFT, ALL), undefined);
  assert.deepEqual(rows.map((r) => [r.pass, r.unit]), [[true, 'µs'], [true, 'µs'], [true, 'ms'], [true, 'ms'], [true, 'MiB']]);
  assert.equal(rows[2]!.weft, 0.4);
  assert.equal(rows[4]!.weft, 71);
  assert.ok(Number.isNaN(rows[0]!.haproxy));
  const heavy = ALL.map((x) => (x.chain === 'weft' && x.phase === 'fixed' ? { ...x, proxyCpuMs: 2000, rssPeakBytes: [81 * MiB, 10 * MiB] } : x));
  const bad = judge(summarize(WEFT, heavy), undefined);
  assert.equal(bad[0]!.pass, false);
  assert.equal(bad[0]!.weft, 200);
  assert.equal(bad[4]!.pass, false);
  const unmeasured = judge(summarize(WEFT, []), undefined);
  assert.ok(unmeasured.every((r) => !r.pass));
});

test('the section names the run, every chain, each verdict, and says when there were errors', () => {
  const summaries = [summarize(DIRECT, ALL), summarize(WEFT, ALL), summarize(HAPROXY, ALL)];
  const text = formatSection({
    date: new Date('2026-01-02T03:04:05.678Z'), command: 'npm run bench', commit: 'abc1234+dirty', machine: 'AMD EPYC, 2 cores',
    node: 'v24.0.0', haproxy: 'HAProxy version 2.6.12', parameters: ['Rounds: 3'], notes: ['Noise: none'],
  }, summaries, ALL, null);
  assert.match(text, /^## 2026-01-02 03:04:05 UTC — commit abc1234\+dirty$/m);
  assert.match(text, /- Command: `npm run bench`/);
  assert.match(text, /ERRORS — this run is not clean:\*\* weft: 2 of/);
  assert.match(text, /^\| weft \| 8,500 \| 0\.52 \| 0\.72 \| 1\.70 \| 0\.40 \| 1\.39 \| 130 \| 100 \| 61\.0 \/ 71\.0 \| 20\.0 \/ 30\.0 \| 50\.0 \/ 51\.0 \|/m);
  assert.match(text, /\| CPU per request, both proxies, at the fixed rate \| 130 µs \| – µs \| ≤ 150 µs \| PASS \|/);
  assert.equal(text.match(/^\| \d \| (direct|weft) \| (fixed|max) \|/gm)?.length, ALL.length);
  const clean = formatSection({ date: new Date(0), command: 'x', commit: 'c', machine: 'm', node: 'n', haproxy: 'h', parameters: [], notes: [] },
    [summarize(DIRECT, ALL)], ALL.filter((x) => x.chain === 'direct'), null);
  assert.match(clean, /- Errors: none \(/);
  assert.doesNotMatch(clean, /against the targets/);
});

test('a failed target says by how much', () => {
  const heavy = ALL.map((x) => (x.chain === 'weft' && x.phase === 'fixed' ? { ...x, proxyCpuMs: 3000 } : x));
  const text = formatSection({ date: new Date(0), command: 'x', commit: 'c', machine: 'm', node: 'n', haproxy: 'h', parameters: [], notes: [] },
    [summarize(DIRECT, heavy), summarize(WEFT, heavy)], heavy, null);
  assert.match(text, /at the fixed rate \| 300 µs \| – µs \| ≤ 150 µs \| FAIL \(\+150 µs, 2\.00× the target\) \|/);
});

test('new sections go above older ones, under the header, which is created once', () => {
  const first = insertSection('', '## run 1\n\nfigures 1\n');
  assert.ok(first.startsWith(RESULTS_HEADER));
  const second = insertSection(first, '## run 2\n\nfigures 2');
  assert.ok(second.indexOf('## run 2') < second.indexOf('## run 1'));
  assert.equal(second.split(RESULTS_HEADER).length, 2, 'one header');
  assert.ok(second.includes('figures 1') && second.endsWith('figures 1\n'));
  // A hand-written file without the marker is kept below the new section.
  const legacy = insertSection('# Old notes\n\nsomething measured by hand\n', '## run 3');
  assert.ok(legacy.indexOf('## run 3') < legacy.indexOf('something measured by hand'));
});

test('the profile part lists each sidecar with its CPU time, its top functions and files, and names a missing profile', () => {
  const summary = {
    totalMs: 20_000, idleMs: 8000, busyMs: 12_000,
    functions: [{ name: 'writeBuffer', selfMs: 2600, percent: 21.7 }, { name: 'parseHead src/proxy/http/codec-h1.ts:371', selfMs: 130, percent: 1.1 }],
    files: [{ name: 'src/proxy/http/codec-h1.ts', selfMs: 500, percent: 4.2 }],
  };
  const text = formatSection({ date: new Date(0), command: 'x', commit: 'c', machine: 'm', node: 'n', haproxy: 'h', parameters: [], notes: [] },
    [summarize(DIRECT, ALL)], [], {
      how: 'profiled for a while',
      perProxy: [{ role: 'sidecar A (outbound)', file: 'bench/out/p/a.cpuprofile', summary, cpuMs: 8000 }],
      missing: ['sidecar B (inbound, mTLS) (bench/out/p/b.cpuprofile)'],
    });
  assert.match(text, /### CPU profile of the Weft sidecars\n\nprofiled for a while/);
  assert.match(text, /\*\*sidecar A \(outbound\)\*\* \(`bench\/out\/p\/a\.cpuprofile`\): 12,000 ms of non-idle samples in 20,000 ms profiled, against 8,000 ms of CPU time/);
  assert.match(text, /^\| 2,600\.0 \| 21\.7 \| `writeBuffer` \|$/m);
  assert.match(text, /^\| 500\.0 \| 4\.2 \| `src\/proxy\/http\/codec-h1\.ts` \|$/m);
  assert.match(text, /- No profile from sidecar B/);
});

test('issue 3: judged on per-round pairs — the median of resilient ÷ core throughput and of the p50 differences', () => {
  const RES: ChainInfo = { name: 'weft-resilience', description: 'two sidecars, policies', proxyRoles: ['A', 'B'], idleRssBytes: [] };
  // Round 2 was slow for both chains (the rest of the machine's load) and round 3 for the resilient
  // chain only: the chains' own medians (5000 vs 4000 req/s, −20 %) would fail; the per-round
  // ratios 0.96, 0.95, 0.667 → 0.95 pass.
  const rounds: PhaseMeasurement[] = [
    m(1, 'weft', 'max', { throughput: 5000 }), m(1, 'weft-resilience', 'max', { throughput: 4800 }),
    m(2, 'weft', 'max', { throughput: 2000 }), m(2, 'weft-resilience', 'max', { throughput: 1900 }),
    m(3, 'weft', 'max', { throughput: 6000 }), m(3, 'weft-resilience', 'max', { throughput: 4000 }),
    m(1, 'weft', 'fixed', { latency: { p50Us: 400, p90Us: 0, p99Us: 0 } }), m(1, 'weft-resilience', 'fixed', { latency: { p50Us: 450, p90Us: 0, p99Us: 0 } }),
    m(2, 'weft', 'fixed', { latency: { p50Us: 900, p90Us: 0, p99Us: 0 } }), m(2, 'weft-resilience', 'fixed', { latency: { p50Us: 980, p90Us: 0, p99Us: 0 } }),
    m(3, 'weft', 'fixed', { latency: { p50Us: 500, p90Us: 0, p99Us: 0 } }), m(3, 'weft-resilience', 'fixed', { latency: { p50Us: 300, p90Us: 0, p99Us: 0 } }),
  ];
  const core = summarize(WEFT, rounds);
  const res = summarize(RES, rounds);
  assert.ok(Math.abs(1 - res.maxRps / core.maxRps - 0.2) < 1e-9, 'the medians alone would say 20 %');
  const ok = judgeResilience(core, res, rounds);
  assert.deepEqual(ok.map((r) => r.pass), [true, true]);
  assert.equal(ok[0]!.cost, '5.0 %');
  assert.equal(ok[0]!.core, '5,000 req/s');
  assert.equal(ok[0]!.perRound, 'weft-resilience ÷ weft maximum throughput by round: 1: 0.960, 2: 0.950, 3: 0.667');
  assert.equal(ok[1]!.cost, '0.05 ms');
  assert.equal(ok[1]!.perRound, 'weft-resilience − weft p50 at the fixed rate by round (ms): 1: 0.050, 2: 0.080, 3: -0.200');

  // Over the bar: 0.88 of the core's throughput in most rounds, +0.15 ms.
  const slow = rounds.map((x) => (x.chain !== 'weft-resilience' ? x
    : x.phase === 'max' ? { ...x, throughput: x.round === 3 ? 6000 : x.round === 1 ? 4400 : 1760 }
      : { ...x, latency: { ...x.latency, p50Us: x.latency.p50Us + 150 } }));
  const bad = judgeResilience(summarize(WEFT, slow), summarize(RES, slow), slow);
  assert.deepEqual(bad.map((r) => r.pass), [false, false]);
  assert.equal(bad[0]!.cost, '12.0 %');

  // A round that only one chain ran is not paired; no pair at all fails (not measured).
  assert.equal(pairedByRound([...rounds, m(4, 'weft', 'max', { throughput: 1 })], 'weft', 'weft-resilience', 'max', (r, c) => r.throughput / c.throughput).length, 3);
  const none = judgeResilience(core, res, rounds.filter((x) => x.chain === 'weft'));
  assert.deepEqual(none.map((r) => [r.pass, r.cost]), [[false, '– %'], [false, '– ms']]);
});

test('the issue-3 table prints the paired verdict and every pair behind it', () => {
  const RES: ChainInfo = { name: 'weft-resilience', description: 'two sidecars, policies', proxyRoles: ['A', 'B'], idleRssBytes: [] };
  const withRes = [...ALL, ...ALL.filter((x) => x.chain === 'weft').map((x) => ({ ...x, chain: 'weft-resilience' as const, throughput: x.throughput * 0.95 }))];
  const text = formatSection({ date: new Date(0), command: 'x', commit: 'c', machine: 'm', node: 'n', haproxy: 'h', parameters: [], notes: [] },
    [summarize(DIRECT, withRes), summarize(WEFT, withRes), summarize(RES, withRes)], withRes, null);
  assert.match(text, /^\| maximum throughput \| 8,500 req\/s \| 8,075 req\/s \| 5\.0 % \| ≤ 10 % \| PASS \|$/m);
  assert.match(text, /^- weft-resilience ÷ weft maximum throughput by round: 1: 0\.950, 2: 0\.950, 3: 0\.950\.$/m);
  assert.match(text, /^- weft-resilience − weft p50 at the fixed rate by round \(ms\): 1: 0\.000, 2: 0\.000, 3: 0\.000\.$/m);
});

const OFF: ChainInfo = { name: 'weft-telemetry-off', description: 'two sidecars, telemetry off', proxyRoles: ['A', 'B'], idleRssBytes: [] };
const T1: ChainInfo = { name: 'weft-trace-1', description: 'two sidecars, tracing 1 %', proxyRoles: ['A', 'B'], idleRssBytes: [] };
const T100: ChainInfo = { name: 'weft-trace-100', description: 'two sidecars, tracing 100 %', proxyRoles: ['A', 'B'], idleRssBytes: [] };

/** Three rounds of the three telemetry chains; `ratio1` / `ratio100` are each tracing chain's throughput ÷ off's, by round. */
function telemetryRounds(ratio1: readonly number[], ratio100: readonly number[]): PhaseMeasurement[] {
  // Round 2 is slow for every chain: paired ratios do not care.
  const offRps = [5000, 2500, 6000];
  return offRps.flatMap((rps, i) => [
    m(i + 1, 'weft-telemetry-off', 'max', { throughput: rps }),
    m(i + 1, 'weft-trace-1', 'max', { throughput: rps * ratio1[i]! }),
    m(i + 1, 'weft-trace-100', 'max', { throughput: rps * ratio100[i]! }),
    m(i + 1, 'weft-telemetry-off', 'fixed', { latency: { p50Us: 500, p90Us: 0, p99Us: 0 } }),
    m(i + 1, 'weft-trace-1', 'fixed', { latency: { p50Us: 520, p90Us: 0, p99Us: 0 } }),
    m(i + 1, 'weft-trace-100', 'fixed', { latency: { p50Us: 500 + 100 * (i + 1), p90Us: 0, p99Us: 0 } }),
  ]);
}

test('issue 5: each tracing chain judged against telemetry off on per-round throughput pairs (≤ 5 % at 1 %, ≤ 15 % at 100 %)', () => {
  const all = telemetryRounds([0.97, 0.96, 0.5], [0.9, 0.86, 0.88]);
  const rows = judgeTelemetry(summarize(OFF, all), [summarize(T1, all), summarize(T100, all)], all);
  assert.deepEqual(rows.map((r) => [r.chain, r.limit, r.pass]), [['weft-trace-1', 0.05, true], ['weft-trace-100', 0.15, true]]);
  // Ratios 0.97, 0.96, 0.5 → median 0.96: a cost of 4 %, although round 3 alone lost half.
  assert.ok(Math.abs(rows[0]!.cost - 0.04) < 1e-9);
  assert.ok(Math.abs(rows[1]!.cost - 0.12) < 1e-9);
  assert.equal(rows[1]!.addedP50Us, 200);
  assert.equal(rows[0]!.perRound, 'weft-trace-1 ÷ weft-telemetry-off maximum throughput by round: 1: 0.970, 2: 0.960, 3: 0.500');

  // Over the bars: 6 % at 1 %, 16 % at 100 %.
  const slow = telemetryRounds([0.94, 0.94, 0.94], [0.84, 0.84, 0.84]);
  const bad = judgeTelemetry(summarize(OFF, slow), [summarize(T1, slow), summarize(T100, slow)], slow);
  assert.deepEqual(bad.map((r) => r.pass), [false, false]);

  // Only the tracing chains that ran get a row; a chain without a pair fails as not measured.
  const only100 = judgeTelemetry(summarize(OFF, all), [summarize(T100, all)], all);
  assert.deepEqual(only100.map((r) => r.chain), ['weft-trace-100']);
  const unpaired = judgeTelemetry(summarize(OFF, []), [summarize(T1, all)], all.filter((x) => x.chain !== 'weft-telemetry-off'));
  assert.equal(unpaired[0]!.pass, false);
  assert.ok(Number.isNaN(unpaired[0]!.cost));
});

test('the issue-5 table appears when telemetry off and a tracing chain ran, with its verdicts and pairs', () => {
  const all = telemetryRounds([0.97, 0.96, 0.95], [0.8, 0.8, 0.8]);
  const run = { date: new Date(0), command: 'x', commit: 'c', machine: 'm', node: 'n', haproxy: 'h', parameters: [], notes: [] };
  const text = formatSection(run, [summarize(OFF, all), summarize(T1, all), summarize(T100, all)], all, null);
  assert.match(text, /### Issue 5: telemetry cost/);
  assert.match(text, /^\| 1 % \(weft-trace-1\) \| 5,000 \| 4,850 \| 4\.0 % \| ≤ 5 % \| PASS \| 0\.02 ms \|$/m);
  assert.match(text, /^\| 100 % \(weft-trace-100\) \| 5,000 \| 4,000 \| 20\.0 % \| ≤ 15 % \| FAIL \| 0\.20 ms \|$/m);
  assert.match(text, /^- weft-trace-100 ÷ weft-telemetry-off maximum throughput by round: 1: 0\.800, 2: 0\.800, 3: 0\.800\.$/m);
  // The access-log row is measured and shown against 5 %, not judged.
  const T1LOG: ChainInfo = { name: 'weft-trace-1-log', description: 'two sidecars, tracing 1 % and the access log', proxyRoles: ['A', 'B'], idleRssBytes: [] };
  const withLog = [...all, ...[0.9, 0.9, 0.9].map((ratio, i) => m(i + 1, 'weft-trace-1-log', 'max', { throughput: [5000, 2500, 6000][i]! * ratio }))];
  const rows = judgeTelemetry(summarize(OFF, withLog), [summarize(T1, withLog), summarize(T1LOG, withLog)], withLog);
  assert.deepEqual(rows.map((r) => [r.chain, r.judged, r.pass]), [['weft-trace-1', true, true], ['weft-trace-1-log', false, false]]);
  const logged = formatSection(run, [summarize(OFF, withLog), summarize(T1, withLog), summarize(T1LOG, withLog)], withLog, null);
  assert.match(logged, /^\| 1 % \+ JSON access log \(weft-trace-1-log\) \| 5,000 \| 4,500 \| 10\.0 % \| ≤ 5 % \| not judged \(over the limit\) \| – \|$/m);
  // Without the baseline there is nothing to judge against: no table.
  const noBase = all.filter((x) => x.chain !== 'weft-telemetry-off');
  assert.doesNotMatch(formatSection(run, [summarize(T1, noBase)], noBase, null), /Issue 5/);
});
