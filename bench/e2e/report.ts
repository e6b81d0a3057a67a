// The benchmark's results: per-phase measurements reduced to medians per chain, judged against the issue's targets, and written as a Markdown section of bench/RESULTS.md.
import { median, type LatencySummary } from '../lib/histogram.ts';
import type { ProfileSummary } from '../lib/cpuprofile.ts';
import type { ChainName } from './chain.ts';

export type Phase = 'fixed' | 'max';

/** One chain, one phase, one round. */
export interface PhaseMeasurement {
  readonly round: number;
  readonly chain: ChainName;
  readonly phase: Phase;
  readonly tool: 'node' | 'wrk';
  readonly elapsedMs: number;
  /** Responses received (any status). */
  readonly completed: number;
  /** Non-200 responses, socket errors and timeouts. */
  readonly errors: number;
  readonly throughput: number;
  /** Fixed phase: from the scheduled send times. Max phase: what the closed-loop tool saw. */
  readonly latency: Pick<LatencySummary, 'p50Us' | 'p90Us' | 'p99Us'>;
  /** CPU time of the chain's proxies together (ms); 0 for the direct chain. */
  readonly proxyCpuMs: number;
  /** The same, per proxy, in the chain's proxy order. */
  readonly proxyCpuMsEach: readonly number[];
  readonly backendCpuMs: number;
  /** Peak VmRSS of each proxy during the phase, in the chain's proxy order. */
  readonly rssPeakBytes: readonly number[];
  /** Peak RssAnon (private memory: VmRSS without the executable's and libraries' file pages). */
  readonly rssAnonPeakBytes: readonly number[];
  /** Open loop: p99 of how late the generator sent (µs); NaN for the closed loop. */
  readonly sendLagP99Us: number;
  /** Other processes' CPU time on the servers' CPU during the phase, % of that CPU. */
  readonly foreignCpuPct: number;
  /** CLOCK_MONOTONIC µs when the load started and ended (to cut a CPU profile to the phase); null when not metered. */
  readonly monoWindowUs: readonly [number, number] | null;
}

export interface ChainInfo {
  readonly name: ChainName;
  readonly description: string;
  readonly proxyRoles: readonly string[];
  /** Each proxy's VmRSS once ready, before any load (bytes). */
  readonly idleRssBytes: readonly number[];
}

export interface ChainSummary {
  readonly info: ChainInfo;
  readonly maxRps: number;
  readonly fixedRps: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  /** Median over rounds of (this chain − direct) in the same round; NaN for direct. */
  readonly addedP50Us: number;
  readonly addedP99Us: number;
  /** Proxies' CPU µs per request (NaN for direct). */
  readonly cpuPerReqFixedUs: number;
  readonly cpuPerReqMaxUs: number;
  readonly backendCpuPerReqFixedUs: number;
  /** Median over rounds of each proxy's peak RSS under the fixed rate, MiB. */
  readonly rssMiB: readonly number[];
  /** The same for RssAnon. */
  readonly rssAnonMiB: readonly number[];
  readonly requests: number;
  readonly errors: number;
}

export const TARGETS = {
  cpuPerReqUs: 150,
  addedP50Us: 600,
  addedP99Us: 2000,
  rssMiB: 80,
} as const;

/** The issue's reference figures for the HAProxy pair and a naive Node pair, measured on this machine. */
export const REFERENCE = 'HAProxy mTLS pair ≈ 45 µs CPU/request, +0.23 ms at p50, ≈ 20 MB per proxy; naive Node pair ≈ 300 µs, +0.65 ms, ≈ 130 MB';

const MiB = 1024 * 1024;

function cpuPerReqUs(m: PhaseMeasurement, cpuMs: number): number {
  return m.completed > 0 ? (cpuMs * 1000) / m.completed : Number.NaN;
}

export function summarize(info: ChainInfo, all: readonly PhaseMeasurement[]): ChainSummary {
  const mine = all.filter((m) => m.chain === info.name);
  const fixed = mine.filter((m) => m.phase === 'fixed');
  const max = mine.filter((m) => m.phase === 'max');
  const direct = new Map(all.filter((m) => m.chain === 'direct' && m.phase === 'fixed').map((m) => [m.round, m]));
  const added = (pick: (l: PhaseMeasurement['latency']) => number): number =>
    info.name === 'direct'
      ? Number.NaN
      : median(fixed.flatMap((m) => {
        const d = direct.get(m.round);
        return d === undefined ? [] : [pick(m.latency) - pick(d.latency)];
      }));
  const isProxied = info.proxyRoles.length > 0;
  return {
    info,
    maxRps: median(max.map((m) => m.throughput)),
    fixedRps: median(fixed.map((m) => m.throughput)),
    p50Us: median(fixed.map((m) => m.latency.p50Us)),
    p90Us: median(fixed.map((m) => m.latency.p90Us)),
    p99Us: median(fixed.map((m) => m.latency.p99Us)),
    addedP50Us: added((l) => l.p50Us),
    addedP99Us: added((l) => l.p99Us),
    cpuPerReqFixedUs: isProxied ? median(fixed.map((m) => cpuPerReqUs(m, m.proxyCpuMs))) : Number.NaN,
    cpuPerReqMaxUs: isProxied ? median(max.map((m) => cpuPerReqUs(m, m.proxyCpuMs))) : Number.NaN,
    backendCpuPerReqFixedUs: median(fixed.map((m) => cpuPerReqUs(m, m.backendCpuMs))),
    rssMiB: info.proxyRoles.map((_, i) => median(fixed.map((m) => (m.rssPeakBytes[i] ?? Number.NaN) / MiB))),
    rssAnonMiB: info.proxyRoles.map((_, i) => median(fixed.map((m) => (m.rssAnonPeakBytes[i] ?? Number.NaN) / MiB))),
    requests: mine.reduce((a, m) => a + m.completed, 0),
    errors: mine.reduce((a, m) => a + m.errors, 0),
  };
}

export interface TargetRow {
  readonly what: string;
  readonly weft: number;
  readonly haproxy: number;
  readonly limit: number;
  readonly unit: 'µs' | 'ms' | 'MiB';
  readonly pass: boolean;
}

/** Weft against the issue's targets, with HAProxy's figure beside it. NaN (not measured) fails. */
export function judge(weft: ChainSummary, haproxy: ChainSummary | undefined): TargetRow[] {
  const h = (f: (s: ChainSummary) => number): number => (haproxy === undefined ? Number.NaN : f(haproxy));
  const maxRss = (s: ChainSummary): number => (s.rssMiB.length === 0 ? Number.NaN : Math.max(...s.rssMiB));
  const row = (what: string, f: (s: ChainSummary) => number, limit: number, unit: TargetRow['unit'], scale = 1): TargetRow => {
    const w = f(weft) / scale;
    return { what, weft: w, haproxy: h(f) / scale, limit: limit / scale, unit, pass: !Number.isNaN(w) && w <= limit / scale };
  };
  return [
    row('CPU per request, both proxies, at the fixed rate', (s) => s.cpuPerReqFixedUs, TARGETS.cpuPerReqUs, 'µs'),
    row('CPU per request, both proxies, at maximum throughput', (s) => s.cpuPerReqMaxUs, TARGETS.cpuPerReqUs, 'µs'),
    row('added latency p50 at the fixed rate', (s) => s.addedP50Us, TARGETS.addedP50Us, 'ms', 1000),
    row('added latency p99 at the fixed rate', (s) => s.addedP99Us, TARGETS.addedP99Us, 'ms', 1000),
    row('RSS per proxy under the fixed rate (the larger of the two)', maxRss, TARGETS.rssMiB, 'MiB'),
  ];
}

export interface RunInfo {
  readonly date: Date;
  readonly command: string;
  readonly commit: string;
  readonly machine: string;
  readonly node: string;
  readonly haproxy: string;
  readonly parameters: readonly string[];
  readonly notes: readonly string[];
}

export interface ProfileReport {
  readonly how: string;
  /** `cpuMs`: the sidecar's CPU time (/proc) over the same windows as the samples. */
  readonly perProxy: readonly { readonly role: string; readonly file: string; readonly summary: ProfileSummary; readonly cpuMs: number }[];
  readonly missing: readonly string[];
}

export interface ResilienceRow {
  readonly what: string;
  readonly core: string;
  readonly resilient: string;
  readonly cost: string;
  readonly target: string;
  readonly pass: boolean;
  /** The paired figures behind `cost`, one per round in which both chains ran this phase. */
  readonly perRound: string;
}

/**
 * The same phase of two chains, paired by round: `f(b, a)` for each round in which both ran it.
 * Rounds are interleaved, so the two members of a pair shared the machine's load of that moment;
 * a median of these pairs is not swayed by a round that was slow for both (or by which chain
 * happened to draw the quiet rounds), as a difference of the two chains' medians is.
 */
export function pairedByRound(all: readonly PhaseMeasurement[], a: ChainName, b: ChainName, phase: Phase, f: (b: PhaseMeasurement, a: PhaseMeasurement) => number): { readonly round: number; readonly value: number }[] {
  const first = new Map(all.filter((m) => m.chain === a && m.phase === phase).map((m) => [m.round, m]));
  return all
    .filter((m) => m.chain === b && m.phase === phase && first.has(m.round))
    .map((m) => ({ round: m.round, value: f(m, first.get(m.round)!) }))
    .sort((x, y) => x.round - y.round);
}

/**
 * Issue 3's bar: with retries, timeouts, pool limits and outlier detection configured but not
 * triggered, within 10 % of the core's throughput and 0.1 ms of its median latency. Judged on
 * pairs from the same round: the median over rounds of (resilient ÷ core) maximum throughput, and
 * the median over rounds of (resilient − core) p50 at the fixed rate. The chains' own medians are
 * shown beside it. No pair (a chain not measured): NaN, which fails.
 */
export function judgeResilience(core: ChainSummary, resilient: ChainSummary, all: readonly PhaseMeasurement[]): ResilienceRow[] {
  const a = core.info.name;
  const b = resilient.info.name;
  const ratios = pairedByRound(all, a, b, 'max', (r, c) => r.throughput / c.throughput);
  const diffs = pairedByRound(all, a, b, 'fixed', (r, c) => r.latency.p50Us - c.latency.p50Us);
  const lost = 1 - median(ratios.map((x) => x.value));
  const addedMs = median(diffs.map((x) => x.value)) / 1000;
  const list = (xs: readonly { readonly round: number; readonly value: number }[], show: (v: number) => string): string =>
    xs.length === 0 ? 'none' : xs.map((x) => `${x.round}: ${show(x.value)}`).join(', ');
  return [
    {
      what: 'maximum throughput', core: `${fmt(core.maxRps)} req/s`, resilient: `${fmt(resilient.maxRps)} req/s`,
      cost: `${fmt(lost * 100, 1)} %`, target: '≤ 10 %', pass: !Number.isNaN(lost) && lost <= 0.10,
      perRound: `${b} ÷ ${a} maximum throughput by round: ${list(ratios, (v) => fmt(v, 3))}`,
    },
    {
      what: 'p50 latency at the fixed rate', core: `${ms(core.p50Us)} ms`, resilient: `${ms(resilient.p50Us)} ms`,
      cost: `${fmt(addedMs, 2)} ms`, target: '≤ 0.10 ms', pass: !Number.isNaN(addedMs) && addedMs <= 0.1,
      perRound: `${b} − ${a} p50 at the fixed rate by round (ms): ${list(diffs, (v) => fmt(v / 1000, 3))}`,
    },
  ];
}

export interface TelemetryRow {
  readonly chain: ChainName;
  readonly sampling: string;
  readonly baselineRps: number;
  readonly rps: number;
  /** 1 − the median over rounds of (this chain ÷ the off chain) maximum throughput; NaN without a pair. */
  readonly cost: number;
  readonly limit: number;
  readonly pass: boolean;
  /** False: shown against the limit, not one of the issue's targets (TELEMETRY_TARGETS). */
  readonly judged: boolean;
  /** Median over rounds of (this chain − the off chain) p50 at the fixed rate, µs (shown, not judged). */
  readonly addedP50Us: number;
  readonly perRound: string;
}

/**
 * Issue 5's targets: the throughput a tracing chain may lose against telemetry off. `judged: false`
 * rows are measured the same way and shown against the limit of their sampling, but they are not
 * the target's configuration (the access log, off by default, turned on as well).
 */
export const TELEMETRY_TARGETS: readonly { readonly chain: ChainName; readonly sampling: string; readonly limit: number; readonly judged: boolean }[] = [
  { chain: 'weft-trace-1', sampling: '1 %', limit: 0.05, judged: true },
  { chain: 'weft-trace-100', sampling: '100 %', limit: 0.15, judged: true },
  { chain: 'weft-trace-1-log', sampling: '1 % + JSON access log', limit: 0.05, judged: false },
];

/**
 * Issue 5's bar: telemetry on (metrics, service-graph reports, tracing; the access log at its
 * default, off, as in Istio) costs at most 15 % of the throughput of telemetry off at 100 %
 * sampling and 5 % at 1 %. Judged as issue 3's (judgeResilience): on pairs from the same round,
 * 1 − the median of the per-round maximum-throughput ratios against `weft-telemetry-off`. One row
 * per tracing chain that ran; no pair: NaN, which fails.
 */
export function judgeTelemetry(off: ChainSummary, on: readonly ChainSummary[], all: readonly PhaseMeasurement[]): TelemetryRow[] {
  const a = off.info.name;
  return TELEMETRY_TARGETS.flatMap((t) => {
    const s = on.find((x) => x.info.name === t.chain);
    if (s === undefined) return [];
    const ratios = pairedByRound(all, a, t.chain, 'max', (b, c) => b.throughput / c.throughput);
    const diffs = pairedByRound(all, a, t.chain, 'fixed', (b, c) => b.latency.p50Us - c.latency.p50Us);
    const cost = 1 - median(ratios.map((x) => x.value));
    return [{
      chain: t.chain, sampling: t.sampling, baselineRps: off.maxRps, rps: s.maxRps, cost, limit: t.limit,
      pass: !Number.isNaN(cost) && cost <= t.limit, judged: t.judged,
      addedP50Us: median(diffs.map((x) => x.value)),
      perRound: `${t.chain} ÷ ${a} maximum throughput by round: ${ratios.length === 0 ? 'none' : ratios.map((x) => `${x.round}: ${fmt(x.value, 3)}`).join(', ')}`,
    }];
  });
}

export function fmt(v: number, digits = 0): string {
  if (Number.isNaN(v)) return '–';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const ms = (us: number, digits = 2): string => fmt(us / 1000, digits);

function verdict(r: TargetRow): string {
  if (r.pass) return 'PASS';
  if (Number.isNaN(r.weft)) return 'FAIL (not measured)';
  const over = r.weft - r.limit;
  const d = r.unit === 'ms' ? 2 : 0;
  return `FAIL (+${fmt(over, d)} ${r.unit}, ${fmt(r.weft / r.limit, 2)}× the target)`;
}

export function formatSection(run: RunInfo, summaries: readonly ChainSummary[], all: readonly PhaseMeasurement[], profile: ProfileReport | null): string {
  const out: string[] = [];
  const when = run.date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  out.push(`## ${when} — commit ${run.commit}`, '');
  out.push(`- Command: \`${run.command}\``);
  out.push(`- Machine: ${run.machine}`);
  out.push(`- Node ${run.node}; ${run.haproxy}`);
  for (const p of run.parameters) out.push(`- ${p}`);
  const errors = summaries.filter((s) => s.errors > 0);
  out.push(errors.length === 0
    ? `- Errors: none (${fmt(summaries.reduce((a, s) => a + s.requests, 0))} responses, every one a 200).`
    : `- **ERRORS — this run is not clean:** ${errors.map((s) => `${s.info.name}: ${fmt(s.errors)} of ${fmt(s.requests + s.errors)}`).join('; ')} (non-200 responses, socket errors or timeouts).`);
  for (const n of run.notes) out.push(`- ${n}`);
  out.push('');

  out.push('| chain | max req/s | p50 ms | p90 ms | p99 ms | added p50 ms | added p99 ms | proxies CPU µs/req (fixed rate) | proxies CPU µs/req (max) | RSS MiB per proxy (fixed rate) | of which private (RssAnon) | RSS MiB idle | backend CPU µs/req | errors |');
  out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  const mibs = (xs: readonly number[]): string => (xs.length === 0 ? '–' : xs.map((r) => fmt(r, 1)).join(' / '));
  for (const s of summaries) {
    out.push(`| ${s.info.name} | ${fmt(s.maxRps)} | ${ms(s.p50Us)} | ${ms(s.p90Us)} | ${ms(s.p99Us)} | ${ms(s.addedP50Us)} | ${ms(s.addedP99Us)} | ${fmt(s.cpuPerReqFixedUs)} | ${fmt(s.cpuPerReqMaxUs)} | ${mibs(s.rssMiB)} | ${mibs(s.rssAnonMiB)} | ${mibs(s.info.idleRssBytes.map((b) => b / MiB))} | ${fmt(s.backendCpuPerReqFixedUs)} | ${fmt(s.errors)} |`);
  }
  out.push('');
  for (const s of summaries) out.push(`- **${s.info.name}**: ${s.info.description}${s.info.proxyRoles.length > 0 ? ` (RSS order: ${s.info.proxyRoles.join(' / ')})` : ''}.`);
  out.push('');

  const weft = summaries.find((s) => s.info.name === 'weft');
  if (weft !== undefined) {
    out.push('### Weft against the targets of issue 2', '');
    out.push('| | Weft | HAProxy (reference) | target | result |');
    out.push('|---|--:|--:|--:|---|');
    for (const r of judge(weft, summaries.find((s) => s.info.name === 'haproxy'))) {
      const d = r.unit === 'ms' ? 2 : r.unit === 'MiB' ? 1 : 0;
      out.push(`| ${r.what} | ${fmt(r.weft, d)} ${r.unit} | ${fmt(r.haproxy, d)} ${r.unit} | ≤ ${fmt(r.limit, d)} ${r.unit} | ${verdict(r)} |`);
    }
    out.push('', `Reference figures from issue 2 (same machine): ${REFERENCE}.`);
    const hap = summaries.find((s) => s.info.name === 'haproxy');
    if (hap !== undefined && !Number.isNaN(hap.cpuPerReqFixedUs)) {
      out.push(`HAProxy's own pair costs ${fmt(hap.cpuPerReqFixedUs)} µs per request at the fixed rate and ${fmt(hap.cpuPerReqMaxUs)} µs at maximum throughput in this run: at ${fmt(hap.fixedRps)} req/s nothing is batched, so every request pays its own wake-ups, context switches and system calls. The issue's 45 µs reference compares with the maximum-throughput figure.`);
    }
    out.push('');
  }

  const resilient = summaries.find((s) => s.info.name === 'weft-resilience');
  if (weft !== undefined && resilient !== undefined) {
    out.push('### Issue 3: resilience configured but not triggered, against the core pipeline', '');
    out.push('| | weft (core) | weft-resilience | cost (median of per-round pairs) | target | result |', '|---|--:|--:|--:|--:|---|');
    const rows = judgeResilience(weft, resilient, all);
    for (const r of rows) {
      out.push(`| ${r.what} | ${r.core} | ${r.resilient} | ${r.cost} | ${r.target} | ${r.pass ? 'PASS' : 'FAIL'} |`);
    }
    out.push('', 'The two chains run in the same rounds, one after the other, so each round gives a pair measured under the same load from the rest of the machine. The cost is judged on those pairs: 1 − the median of the per-round throughput ratios, and the median of the per-round p50 differences. The first two columns are each chain\'s own median, for reference.', '');
    for (const r of rows) out.push(`- ${r.perRound}.`);
    out.push('');
  }

  const off = summaries.find((s) => s.info.name === 'weft-telemetry-off');
  const telemetryRows = off === undefined ? [] : judgeTelemetry(off, summaries, all);
  if (off !== undefined && telemetryRows.length > 0) {
    out.push('### Issue 5: telemetry cost', '');
    out.push('| sampling | weft-telemetry-off max req/s | with telemetry max req/s | throughput cost (median of per-round pairs) | target | result | added p50 at the fixed rate (median of pairs) |', '|---|--:|--:|--:|--:|---|--:|');
    for (const r of telemetryRows) {
      const result = r.judged ? (r.pass ? 'PASS' : 'FAIL') : `not judged (${r.pass ? 'within' : 'over'} the limit)`;
      out.push(`| ${r.sampling} (${r.chain}) | ${fmt(r.baselineRps)} | ${fmt(r.rps)} | ${fmt(r.cost * 100, 1)} % | ≤ ${fmt(r.limit * 100)} % | ${result} | ${Number.isNaN(r.addedP50Us) ? '–' : `${fmt(r.addedP50Us / 1000, 2)} ms`} |`);
    }
    out.push('', 'With telemetry: Weft\'s telemetry as it is when turned on — Istio metrics, the service-graph reports and tracing at the given sampling, every span exported to a Zipkin sink and the control plane\'s trace store sent its share (at most 100 spans a second per sidecar, chosen by trace id; docs/observability.md); the access log at its default, off, as in Istio and Linkerd. The "+ JSON access log" row turns the log on as well (written to /dev/null) and is shown, not judged. Judged as issue 3\'s table: the chains run in the same rounds, so the cost is 1 − the median of the per-round maximum-throughput ratios against weft-telemetry-off; the req/s columns are each chain\'s own median, for reference.', '');
    for (const r of telemetryRows) out.push(`- ${r.perRound}.`);
    out.push('');
  }

  out.push('### Every phase', '');
  out.push('| round | chain | phase | tool | req/s | p50 ms | p90 ms | p99 ms | proxies CPU µs/req | RSS MiB | errors | send lag p99 µs | other load on CPU 0 |');
  out.push('|--:|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const m of all) {
    const cpu = m.proxyCpuMs > 0 ? fmt(cpuPerReqUs(m, m.proxyCpuMs)) : '–';
    const rss = m.rssPeakBytes.length === 0 ? '–' : m.rssPeakBytes.map((b) => fmt(b / MiB, 1)).join(' / ');
    out.push(`| ${m.round} | ${m.chain} | ${m.phase} | ${m.tool} | ${fmt(m.throughput)} | ${ms(m.latency.p50Us)} | ${ms(m.latency.p90Us)} | ${ms(m.latency.p99Us)} | ${cpu} | ${rss} | ${fmt(m.errors)} | ${fmt(m.sendLagP99Us)} | ${fmt(m.foreignCpuPct, 1)} % |`);
  }
  out.push('');

  if (profile !== null) {
    out.push('### CPU profile of the Weft sidecars', '', profile.how, '');
    out.push('V8 samples on wall-clock time: a sample taken while the sidecar was runnable but preempted by another process on its core (the peer sidecar or the backend that its write just woke) lands on the frame on top, usually a native write. Where the non-idle samples exceed the CPU time, that excess is waiting, not work; read the write shares as an upper bound.', '');
    for (const p of profile.perProxy) {
      const s = p.summary;
      out.push(`**${p.role}** (\`${p.file}\`): ${fmt(s.busyMs)} ms of non-idle samples in ${fmt(s.totalMs)} ms profiled, against ${fmt(p.cpuMs)} ms of CPU time used (/proc) over the same windows. Top 20 functions by self time (share of non-idle samples):`, '');
      out.push('| self ms | % | function |', '|--:|--:|---|');
      for (const r of s.functions) out.push(`| ${fmt(r.selfMs, 1)} | ${fmt(r.percent, 1)} | \`${r.name.replaceAll('|', '\\|')}\` |`);
      out.push('', 'By file (top 10):', '', '| self ms | % | file |', '|--:|--:|---|');
      for (const r of s.files) out.push(`| ${fmt(r.selfMs, 1)} | ${fmt(r.percent, 1)} | \`${r.name.replaceAll('|', '\\|')}\` |`);
      out.push('');
    }
    for (const m of profile.missing) out.push(`- No profile from ${m}.`);
    if (profile.missing.length > 0) out.push('');
  }
  return out.join('\n');
}

export const RESULTS_HEADER = `# Benchmark results

Written by \`npm run bench\` (bench/e2e/run.ts): the two-sidecar chain of issue 2 against a direct
connection and the same chain built from HAProxy. One section per run, newest first; older runs are
kept below for the history. Numbers are medians over interleaved rounds; see each section's
parameters, and bench/e2e/run.ts for how each figure is measured.
`;

const MARKER = '<!-- newest run first; bench/e2e/run.ts inserts below this line -->';

/** Puts `section` above every earlier run, keeping the header (creating it for a new file). */
export function insertSection(existing: string, section: string): string {
  const body = `${section.trimEnd()}\n`;
  const at = existing.indexOf(MARKER);
  if (at === -1) {
    const rest = existing.trim() === '' ? '' : `\n${existing.trim()}\n`;
    return `${RESULTS_HEADER}\n${MARKER}\n\n${body}${rest}`;
  }
  const head = existing.slice(0, at + MARKER.length);
  const tail = existing.slice(at + MARKER.length).replace(/^\n+/, '');
  return `${head}\n\n${body}${tail === '' ? '' : `\n${tail}`}`;
}
