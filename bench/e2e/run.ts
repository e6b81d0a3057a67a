// npm run bench [-- --profile] [--rounds N] [--quick] [--help] — issue 2's end-to-end benchmark: direct, Weft and HAProxy chains measured interleaved; writes bench/RESULTS.md.
/*
 * One run:
 *
 *   start backend (CPU 0) ─▶ start every chain ─▶ warm each up ─▶ rounds: for each chain in turn
 *        (direct, weft, haproxy): fixed-rate phase, then max phase ─▶ medians ─▶ [profile] ─▶ RESULTS.md
 *
 * - Fixed rate: bench/lib/loadgen.ts, open loop, latency from each request's scheduled send time.
 * - Max throughput: closed loop with `wrk -t1` (default; Debian's package, installed if missing)
 *   or bench/lib/loadgen.ts (`--max-tool node`), which cannot saturate the direct chain on its own.
 * - CPU per request: utime + stime of the chain's two proxies from /proc/<pid>/stat, read by the
 *   load generator itself the moment its load starts and ends (by this script around wrk),
 *   divided by the responses received.
 * - RSS: VmRSS of each proxy from /proc/<pid>/status every 250 ms; the peak of the phase.
 * - Pinning: backend and proxies on CPU 0; load generator, control plane and this script on CPU 1.
 * - Priority (unless --no-boost): backend, proxies, generators, control planes and the span sink each run in a session of their
 *   own with autogroup nice −20, so that other work on a shared machine disturbs them less.
 * - Every response must be a 200; errors are counted per phase and reported.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AsyncLineSource, canBoost, firstJsonLine, spawnPinned, stopAll, runPinned, type PinnedChild } from '../lib/child.ts';
import { summarizeProfile, type CpuProfile } from '../lib/cpuprofile.ts';
import { Histogram, median } from '../lib/histogram.ts';
import { monotonicUs, type LoadResult, type LoadSpec, type MeterResult } from '../lib/loadgen.ts';
import { cpuBusyMs, cpuMsOrNaN, memory, parseCpuModel, parseMemTotalBytes } from '../lib/proc.ts';
import { parseWrkOutput, wrkArgs } from '../lib/wrk.ts';
import { CLIENT_CPU, SERVER_CPU, directChain, firstFailure, startBackend, type Backend, type Chain, type ChainName } from './chain.ts';
import { aptInstall, ensureHaproxy, startHaproxyChain } from './haproxy-chain.ts';
import { fmt, formatSection, insertSection, summarize, type ChainInfo, type PhaseMeasurement, type Phase, type ProfileReport, type RunInfo } from './report.ts';
import { sinkCounts } from './span-sink.ts';
import { RESILIENCE_YAML, TELEMETRY_OFF_YAML, accessLogWords, detectLauncher, startWeftChain, tracingYaml, type LauncherKind, type WeftChainOptions } from './weft-chain.ts';
import type { AccessLogMode } from './weft-launcher.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const RESULTS = join(ROOT, 'bench/RESULTS.md');
const ALL_CHAINS: readonly ChainName[] = ['direct', 'weft', 'weft-resilience', 'weft-telemetry-off', 'weft-trace-1', 'weft-trace-100', 'weft-trace-1-log', 'haproxy'];
/** Issue 5's chains, and the sampling percentage of those that trace. */
const TELEMETRY_CHAINS: readonly ChainName[] = ['weft-telemetry-off', 'weft-trace-1', 'weft-trace-100', 'weft-trace-1-log'];
const TRACE_PERCENT: Partial<Record<ChainName, number>> = { 'weft-trace-1': 1, 'weft-trace-100': 100, 'weft-trace-1-log': 1 };

const HELP = `npm run bench [-- OPTIONS]   (or: node bench/e2e/run.ts [OPTIONS])

Measures, interleaved over several rounds, (a) client → backend, (b) client → Weft sidecar →
mTLS → Weft sidecar → backend, (c) the same chain built from HAProxy; writes bench/RESULTS.md.
Variants of (b), each with Istio config applied before its sidecars start:
  weft-resilience       issue 3: timeout, retries, pool limits, outlier detection (never triggered)
  weft-telemetry-off    issue 5's baseline: metrics, access log and tracing switched off
  weft-trace-1          issue 5: metrics and tracing at 1 % to a Zipkin sink (access log at its
                        default, off, as in Istio)
  weft-trace-100        the same at 100 % sampling (the sink runs on CPU 1 and counts spans)
  weft-trace-1-log      weft-trace-1 with the JSON access log turned on (to /dev/null)
A full default run (5 rounds, all 8 chains) takes about 23 minutes.

  --rounds N            rounds of (fixed, max) per chain, interleaved            (default 5)
  --rate N              fixed rate, requests per second                          (default 1000)
  --fixed-seconds S     duration of each fixed-rate phase; 0: no fixed-rate phase (default 15)
  --max-seconds S       duration of each maximum-throughput phase                (default 10)
  --connections N       closed-loop connections for the max phase and warm-up   (default 64)
  --warmup-seconds S    closed-loop warm-up of each chain before round 1         (default 5)
  --chains LIST         comma-separated subset of direct, weft, weft-resilience,
                        weft-telemetry-off, weft-trace-1, weft-trace-100, weft-trace-1-log,
                        haproxy (default all)
  --max-tool wrk|node   closed-loop generator for the max phase                  (default wrk)
  --access-log MODE     Weft access log: devnull (written to /dev/null) or off   (default devnull)
  --launcher MODE       auto, cli (bin/weft.js) or launcher (bench/e2e/weft-launcher.ts) (default auto)
  --profile             afterwards, run each Weft chain measured (every chain but direct
                        and haproxy) again under --cpu-prof and add a top-20 self-time summary per
                        sidecar (profiles kept in bench/out/)
  --profile-seconds S   length of each profiled phase (fixed rate, then max)      (default 10)
  --no-boost            do not raise the benchmark processes' CPU priority
  --no-write            print the results section but leave bench/RESULTS.md alone
  --separate-telemetry-chains
                        start each of issue 5's chains as its own Weft chain (default when two or
                        more are run: one Weft chain switched between their configs before each
                        phase, rounds taking every order in turn, so that no chain's processes
                        favour it and each config follows each other equally often)
  --quick               1 round of 3 s phases, 1 s warm-up, no write (a smoke run)
  --help                this text

Diagnosis (environment):
  WEFT_BENCH_LOG_DIR=DIR          every Weft process logs at debug level to DIR/<chain>-<role>.log
                                  (sidecars' stdout to .out)
  WEFT_BENCH_SIDECAR_FLAGS="..."  extra node flags for the sidecars (e.g. --trace-gc)
A phase with errors prints wrk's breakdown and the sidecars' own non-200 counts by code and flags.`;

interface Options {
  readonly rounds: number;
  readonly rate: number;
  readonly fixedMs: number;
  readonly maxMs: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly chains: readonly ChainName[];
  readonly maxTool: 'wrk' | 'node';
  readonly accessLog: AccessLogMode;
  readonly launcher: 'auto' | LauncherKind;
  readonly profile: boolean;
  readonly profileMs: number;
  readonly boost: boolean;
  readonly write: boolean;
  /** Issue 5's chains as configs of one Weft chain, switched before each phase (default when two or more are run). */
  readonly sharedTelemetry: boolean;
}

function num(v: string | undefined, dflt: number, name: string, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

export function parseOptions(argv: readonly string[]): Options | 'help' {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string' }, rate: { type: 'string' }, 'fixed-seconds': { type: 'string' }, 'max-seconds': { type: 'string' },
      connections: { type: 'string' }, 'warmup-seconds': { type: 'string' }, chains: { type: 'string' }, 'max-tool': { type: 'string' },
      'access-log': { type: 'string' }, launcher: { type: 'string' }, profile: { type: 'boolean' }, 'profile-seconds': { type: 'string' },
      'no-boost': { type: 'boolean' }, 'no-write': { type: 'boolean' }, quick: { type: 'boolean' }, help: { type: 'boolean' },
      'separate-telemetry-chains': { type: 'boolean' },
    },
    strict: true,
  });
  if (v.help === true) return 'help';
  const quick = v.quick === true;
  const chains = (v.chains ?? ALL_CHAINS.join(',')).split(',').map((c) => c.trim());
  for (const c of chains) if (!ALL_CHAINS.includes(c as ChainName)) throw new Error(`--chains: unknown chain ${JSON.stringify(c)} (known: ${ALL_CHAINS.join(', ')})`);
  const maxTool = v['max-tool'] ?? 'wrk';
  if (maxTool !== 'wrk' && maxTool !== 'node') throw new Error('--max-tool must be wrk or node');
  const accessLog = v['access-log'] ?? 'devnull';
  if (accessLog !== 'devnull' && accessLog !== 'off') throw new Error('--access-log must be devnull or off');
  const launcher = v.launcher ?? 'auto';
  if (launcher !== 'auto' && launcher !== 'cli' && launcher !== 'launcher') throw new Error('--launcher must be auto, cli or launcher');
  return {
    rounds: num(v.rounds, quick ? 1 : 5, 'rounds', 0, 50),
    rate: num(v.rate, 1000, 'rate', 1, 100_000),
    fixedMs: num(v['fixed-seconds'], quick ? 3 : 15, 'fixed-seconds', 0, 600) * 1000,
    maxMs: num(v['max-seconds'], quick ? 3 : 10, 'max-seconds', 1, 600) * 1000,
    connections: num(v.connections, 64, 'connections', 1, 1000),
    warmupMs: num(v['warmup-seconds'], quick ? 1 : 5, 'warmup-seconds', 0, 600) * 1000,
    // Keep the order a, b, c whatever order the user gave.
    chains: ALL_CHAINS.filter((c) => chains.includes(c)),
    maxTool,
    accessLog,
    launcher,
    profile: v.profile === true,
    profileMs: num(v['profile-seconds'], quick ? 3 : 10, 'profile-seconds', 1, 600) * 1000,
    boost: v['no-boost'] !== true,
    write: v['no-write'] !== true && !quick,
    sharedTelemetry: v['separate-telemetry-chains'] !== true && chains.filter((c) => TELEMETRY_CHAINS.includes(c as ChainName)).length >= 2,
  };
}

/** A round's phases: fixed rate, then maximum throughput; `--fixed-seconds 0` leaves the fixed rate out (short max phases interleaved finely, for paired throughput under noise). */
function phasesOf(o: Options): readonly Phase[] {
  return o.fixedMs === 0 ? ['max'] : ['fixed', 'max'];
}

function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** What runs on the servers' CPU: the backend and every chain's proxies (for "other load" accounting). */
class ServerSide {
  readonly backend: Backend;
  readonly backendPid: number;
  readonly chains: Chain[] = [];
  constructor(backend: Backend) {
    this.backend = backend;
    this.backendPid = backend.child.pid;
  }
  backendFailure(): string | null {
    return firstFailure([this.backend.child]);
  }
  pids(): number[] {
    return [this.backendPid, ...this.chains.flatMap((c) => c.proxies.map((p) => p.pid))];
  }
}

/** Samples each proxy's VmRSS and RssAnon every 250 ms; keeps the peaks. */
class RssSampler {
  readonly #pids: readonly number[];
  readonly peaks: number[];
  readonly anonPeaks: number[];
  #timer: NodeJS.Timeout | null = null;
  constructor(pids: readonly number[]) {
    this.#pids = pids;
    this.peaks = pids.map(() => 0);
    this.anonPeaks = pids.map(() => 0);
  }
  start(): void {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 250);
  }
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#sample();
  }
  #sample(): void {
    this.#pids.forEach((pid, i) => {
      try {
        const m = memory(pid);
        this.peaks[i] = Math.max(this.peaks[i]!, m.rss);
        this.anonPeaks[i] = Math.max(this.anonPeaks[i]!, m.anon);
      } catch {
        // The process is gone; the phase's errors will say so.
      }
    });
  }
}

/** Runs bench/lib/loadgen.ts as a pinned child; calls back at its 'start' and 'end' events. */
async function runLoadgen(spec: LoadSpec & { meter?: { pids: number[]; cpu: number } }, boost: boolean, onEvent: (e: string) => void): Promise<LoadResult & { meter?: MeterResult }> {
  let result: (LoadResult & { meter?: MeterResult }) | null = null;
  const child = spawnPinned({
    name: 'load generator',
    cpu: CLIENT_CPU,
    command: process.execPath,
    args: [join(ROOT, 'bench/lib/loadgen.ts'), JSON.stringify(spec)],
    cwd: ROOT,
    boost,
    onLine: (line) => {
      let v: { event?: string; mode?: string };
      try { v = JSON.parse(line) as typeof v; } catch { return; }
      if (v.event !== undefined) onEvent(v.event);
      else if (v.mode !== undefined) result = v as LoadResult & { meter?: MeterResult };
    },
  });
  const timeout = setTimeout(() => { void child.stop(1_000); }, spec.durationMs + 60_000);
  const code = await new Promise<number | null>((r) => child.proc.once('close', (c) => r(c)));
  clearTimeout(timeout);
  if (code !== 0 || result === null) throw new Error(`load generator failed (exit ${code}): ${child.stderrTail()}`);
  return result;
}

interface Snapshot { readonly t: number; readonly monoUs: number; readonly byPid: Map<number, number>; readonly busyMs: number }

function snapshot(pids: readonly number[]): Snapshot {
  const byPid = new Map<number, number>();
  for (const pid of pids) byPid.set(pid, cpuMsOrNaN(pid));
  return { t: performance.now(), monoUs: monotonicUs(), byPid, busyMs: cpuBusyMs(SERVER_CPU) };
}

function delta(a: Snapshot, b: Snapshot): MeterResult {
  const cpuMsByPid: Record<string, number> = {};
  for (const [pid, ms] of b.byPid) cpuMsByPid[String(pid)] = ms - (a.byPid.get(pid) ?? ms);
  return { cpuMsByPid, cpuBusyMs: b.busyMs - a.busyMs, wallMs: b.t - a.t, startMonoUs: a.monoUs, endMonoUs: b.monoUs };
}

async function measure(o: Options, side: ServerSide, chain: Chain, phase: Phase, round: number): Promise<PhaseMeasurement> {
  const serverPids = side.pids();
  const rss = new RssSampler(chain.proxies.map((p) => p.pid));
  const t = chain.target;
  let meter: MeterResult | undefined;
  let base: Pick<PhaseMeasurement, 'tool' | 'elapsedMs' | 'completed' | 'errors' | 'throughput' | 'latency' | 'sendLagP99Us'>;
  if (phase === 'fixed' || o.maxTool === 'node') {
    const spec: LoadSpec = phase === 'fixed'
      ? { mode: 'open', target: t, ratePerSec: o.rate, durationMs: o.fixedMs, initialConnections: 8, maxConnections: 64 }
      : { mode: 'closed', target: t, connections: o.connections, durationMs: o.maxMs, maxRequests: 50_000_000 };
    const r = await runLoadgen({ ...spec, meter: { pids: serverPids, cpu: SERVER_CPU } }, o.boost, (e) => {
      if (e === 'start') rss.start();
      else if (e === 'end') rss.stop();
    });
    rss.stop();
    meter = r.meter;
    const lat = Histogram.fromWire(r.latency).summary();
    base = {
      tool: 'node',
      elapsedMs: r.elapsedMs,
      completed: r.completed,
      errors: r.completed - r.ok + r.socketErrors + r.timedOut,
      throughput: r.throughput,
      latency: lat,
      sendLagP99Us: r.mode === 'open' ? Histogram.fromWire(r.sendLag).summary().p99Us : Number.NaN,
    };
  } else {
    const before = snapshot(serverPids);
    rss.start();
    const text = await runPinned({ name: 'wrk', cpu: CLIENT_CPU, command: 'wrk', args: wrkArgs({ ...t, connections: o.connections, durationMs: o.maxMs }), boost: o.boost, timeoutMs: o.maxMs + 30_000 });
    rss.stop();
    meter = delta(before, snapshot(serverPids));
    const w = parseWrkOutput(text);
    // wrk counts non-2xx answers and socket errors together; say which, so an error count can be diagnosed.
    if (w.errors > 0) {
      for (const line of text.split('\n')) if (/Non-2xx|Socket errors/.test(line)) progress(`${chain.name} wrk: ${line.trim()}`);
      // The sidecars' own count of what they answered (cumulative since the chain started), by code and flags.
      if (chain.telemetry !== undefined) progress(`${chain.name} sidecars so far: ${await chain.telemetry().catch((err: unknown) => `could not be read (${(err as Error).message})`)}`);
    }
    base = { tool: 'wrk', elapsedMs: w.elapsedMs, completed: w.requests, errors: w.errors, throughput: w.throughput, latency: { p50Us: w.p50Us, p90Us: w.p90Us, p99Us: w.p99Us }, sendLagP99Us: Number.NaN };
  }
  const cpuOf = (pid: number): number => meter?.cpuMsByPid[String(pid)] ?? Number.NaN;
  const ours = serverPids.reduce((a, pid) => a + (Number.isNaN(cpuOf(pid)) ? 0 : cpuOf(pid)), 0);
  const foreign = meter === undefined || meter.wallMs <= 0 ? Number.NaN : Math.max(0, (100 * (meter.cpuBusyMs - ours)) / meter.wallMs);
  return {
    round,
    chain: chain.name,
    phase,
    ...base,
    proxyCpuMs: chain.proxies.reduce((a, p) => a + cpuOf(p.pid), 0),
    proxyCpuMsEach: chain.proxies.map((p) => cpuOf(p.pid)),
    backendCpuMs: cpuOf(side.backendPid),
    rssPeakBytes: rss.peaks,
    rssAnonPeakBytes: rss.anonPeaks,
    foreignCpuPct: foreign,
    monoWindowUs: meter === undefined ? null : [meter.startMonoUs, meter.endMonoUs],
  };
}

async function warmUp(o: Options, chain: Chain): Promise<void> {
  if (o.warmupMs <= 0) return;
  const r = await runLoadgen({ mode: 'closed', target: chain.target, connections: o.connections, durationMs: o.warmupMs, maxRequests: 50_000_000 }, o.boost, () => {});
  const errors = r.completed - r.ok + r.socketErrors + r.timedOut;
  progress(`warm-up ${chain.name}: ${Math.round(r.throughput)} req/s${errors > 0 ? `, ${errors} ERRORS` : ''}`);
}

function describePhase(m: PhaseMeasurement): string {
  const cpu = m.proxyCpuMs > 0 && m.completed > 0 ? `, proxies ${Math.round((m.proxyCpuMs * 1000) / m.completed)} µs/req` : '';
  const rss = m.rssPeakBytes.length > 0 ? `, RSS ${m.rssPeakBytes.map((b) => (b / 1048576).toFixed(0)).join('/')} MiB` : '';
  return `${m.throughput.toFixed(0)} req/s, p50 ${(m.latency.p50Us / 1000).toFixed(3)} ms, p99 ${(m.latency.p99Us / 1000).toFixed(3)} ms${cpu}${rss}${m.errors > 0 ? `, ${m.errors} ERRORS` : ''}`;
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    // --no-optional-locks: a read-only look that never rewrites the index.
    const dirty = execFileSync('git', ['--no-optional-locks', 'status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return `${sha}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function machine(): string {
  const model = parseCpuModel(readFileSync('/proc/cpuinfo', 'utf8'));
  const mem = parseMemTotalBytes(readFileSync('/proc/meminfo', 'utf8'));
  return `${model}, ${cpus().length} cores, ${(mem / 2 ** 30).toFixed(1)} GiB memory; Linux ${release()}`;
}

function ensureWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    // `wrk --version` exits 1 after printing its version; only a missing binary is ENOENT.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') aptInstall('wrk');
  }
}

function commandLine(argv: readonly string[]): string {
  const args = argv.join(' ');
  return process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args === '' ? '' : ` -- ${args}`}` : `node bench/e2e/run.ts${args === '' ? '' : ` ${args}`}`;
}

/** The span sink's path for a tracing chain's spans (one path per chain, counted apart). */
function sinkPath(name: ChainName): string {
  return `/api/v2/spans/${name}`;
}

/**
 * The Istio config a Weft chain starts with: issue 3's policies for weft-resilience, issue 5's
 * telemetry settings for its chains (the tracing ones need the span sink's port), none for the core chain.
 */
function chainConfig(name: ChainName, workDir: string, sinkPort: number | null): Pick<WeftChainOptions, 'config' | 'accessLogFile'> {
  if (name === 'weft-resilience') {
    return { config: { name, yaml: RESILIENCE_YAML, words: 'with a timeout, retries with a per-try timeout, connection-pool limits and outlier detection configured on the backend but never triggered (bench/e2e/weft-chain.ts RESILIENCE_YAML)' } };
  }
  if (name === 'weft-telemetry-off') {
    // The access log goes to files so that the run can show they stay empty.
    return {
      config: { name, yaml: TELEMETRY_OFF_YAML, words: 'metrics, access logging and tracing switched off by mesh config and a root-namespace Telemetry (bench/e2e/weft-chain.ts TELEMETRY_OFF_YAML); issue 5\'s baseline' },
      accessLogFile: join(workDir, `${name}-access`),
    };
  }
  const percent = TRACE_PERCENT[name];
  if (percent !== undefined) {
    if (sinkPort === null) throw new Error(`chain ${name} needs the span sink, which was not started`);
    const log = name === 'weft-trace-1-log';
    return { config: { name, yaml: tracingYaml(percent, sinkPort, sinkPath(name), log), words: `metrics on, tracing at ${percent} % sampling to a Zipkin provider (the bench's span sink, bench/e2e/span-sink.ts, on CPU ${CLIENT_CPU}) and to the control plane, ${log ? 'and the JSON access log turned on (to /dev/null)' : 'access log at its default, off'} (bench/e2e/weft-chain.ts tracingYaml)` } };
  }
  return {};
}

/** The trace collector of the tracing chains, on the load generator's CPU (it is not on the measured path). */
async function startSpanSink(boost: boolean): Promise<{ readonly port: number; readonly child: PinnedChild }> {
  const lines = new AsyncLineSource();
  const child = spawnPinned({ name: 'span sink', cpu: CLIENT_CPU, command: process.execPath, args: [join(ROOT, 'bench/e2e/span-sink.ts')], cwd: ROOT, onLine: lines.push, boost });
  const { port } = await firstJsonLine<{ port: number }>(child, lines, (v) => typeof (v as { port?: unknown }).port === 'number', 10_000);
  return { port, child };
}

/** Issue 5's checks, for the notes: each telemetry chain's sidecars (metric samples, spans, log bytes) and what the sink received. */
async function telemetryNotes(chains: readonly Chain[], sinkPort: number | null): Promise<string[]> {
  const notes: string[] = [];
  const counts = sinkPort === null ? {} : await sinkCounts(sinkPort).catch(() => ({}));
  for (const c of chains) {
    if (!TELEMETRY_CHAINS.includes(c.name) || c.telemetry === undefined) continue;
    const sidecars = await c.telemetry().catch((err: unknown) => `could not be read (${(err as Error).message})`);
    const got = (counts as Record<string, { batches: number; spans: number } | undefined>)[sinkPath(c.name)];
    const sink = TRACE_PERCENT[c.name] === undefined ? '' : ` The span sink received ${got === undefined ? 'nothing' : `${fmt(got.spans)} spans in ${fmt(got.batches)} batches`} for this chain (warm-up and every phase).`;
    notes.push(`Telemetry of ${c.name} at the end of the run: ${sidecars}.${sink}`);
  }
  return notes;
}

/** The chains `--profile` can run under --cpu-prof: every Weft chain. */
const PROFILED_CHAINS = ['weft', 'weft-resilience', 'weft-telemetry-off', 'weft-trace-1', 'weft-trace-100', 'weft-trace-1-log'] as const;
type ProfiledChain = typeof PROFILED_CHAINS[number];

/** Profiles one Weft chain with its config; the sidecar roles of any chain but `weft` are prefixed with its name. */
async function profileWeft(o: Options, workDir: string, backend: Backend, launcher: LauncherKind, chainName: ProfiledChain, sinkPort: number | null): Promise<ProfileReport> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(ROOT, 'bench/out', `profile-${stamp}${chainName === 'weft' ? '' : `-${chainName}`}`);
  mkdirSync(dir, { recursive: true });
  progress(`profile: starting the ${chainName} chain under --cpu-prof (profiles in ${dir})`);
  const chain = await startWeftChain({ root: ROOT, workDir, backendPort: backend.port, launcher, accessLog: o.accessLog, boost: o.boost, cpuProfDir: dir, ...chainConfig(chainName, workDir, sinkPort) });
  const side = new ServerSide(backend);
  side.chains.push(chain);
  /** Only samples taken while load ran count: not start-up (module loading, type stripping), warm-up or drain. */
  const windows: (readonly [number, number])[] = [];
  const cpuEach = chain.proxies.map(() => 0);
  try {
    await warmUp({ ...o, warmupMs: Math.min(o.warmupMs, 3_000) }, chain);
    for (const phase of ['fixed', 'max'] as const) {
      const m = await measure({ ...o, fixedMs: o.profileMs, maxMs: o.profileMs }, side, chain, phase, 0);
      if (m.monoWindowUs !== null) windows.push(m.monoWindowUs);
      m.proxyCpuMsEach.forEach((ms, i) => { cpuEach[i]! += ms; });
      progress(`profile ${phase}: ${describePhase(m)}`);
    }
    if (chain.telemetry !== undefined) progress(`profile ${chainName} sidecars: ${await chain.telemetry().catch((err: unknown) => `could not be read (${(err as Error).message})`)}`);
  } finally {
    // SIGTERM: the sidecars drain and exit(0), which is when V8 writes the profile.
    await chain.stop();
  }
  const perProxy: ProfileReport['perProxy'][number][] = [];
  const missing: string[] = [];
  const names = [['sidecar A (outbound)', 'sidecar-A-client'], ['sidecar B (inbound, mTLS)', 'sidecar-B-backend']] as const;
  names.forEach(([role, name], i) => {
    const file = join(dir, `${name}.cpuprofile`);
    if (!existsSync(file)) { missing.push(`${role} (${file})`); return; }
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    perProxy.push({ role: chainName === 'weft' ? role : `${chainName}: ${role}`, file: file.slice(ROOT.length + 1), summary: summarizeProfile(profile, ROOT, 20, windows), cpuMs: cpuEach[i]! });
  });
  const how = `A separate run of each profiled Weft chain (not the one measured above; one chain at a time), each sidecar under \`node --cpu-prof\`: ${Math.min(o.warmupMs, 3_000) / 1000} s warm-up, ${o.profileMs / 1000} s at ${o.rate} req/s, then ${o.profileMs / 1000} s at maximum throughput; only the samples of those two loaded phases are counted (not start-up, warm-up or shutdown). Self time = samples on top of the stack; "(garbage collector)" is V8's GC, "(program)" native code outside JS (libuv, syscalls, OpenSSL called from C++).`;
  return { how, perProxy, missing };
}

/** One of issue 5's chains as a config of the shared Weft chain: switched to before each of its phases. */
interface TelemetryView extends Chain {
  prepare(): Promise<void>;
  countBefore(): Promise<number>;
  countAfter(before: number, requests: number): Promise<void>;
}

function telemetryView(shared: Chain, config: { readonly name: ChainName; readonly yaml: string; readonly words: string }, counted: Map<ChainName, { requests: number; counted: number }>): TelemetryView {
  return {
    name: config.name,
    // The shared chain's words say where its sidecars write the access log; whether they log is the config's.
    description: `${shared.description.replace(`access log ${accessLogWords('devnull')}`, 'access log (when on) written to /dev/null')}; ${config.words}; one Weft chain shared by issue 5's chains, switched to this config (applied through the control plane, every sidecar on the new version) before each of its phases`,
    target: shared.target,
    proxies: shared.proxies,
    failure: () => shared.failure(),
    // The shared chain is stopped once, by main.
    stop: () => Promise.resolve(),
    prepare: () => shared.reconfigure!(config.yaml),
    countBefore: () => shared.requestsCounted!(),
    countAfter: async (before, requests) => {
      const c = counted.get(config.name) ?? { requests: 0, counted: 0 };
      c.requests += requests;
      c.counted += (await shared.requestsCounted!()) - before;
      counted.set(config.name, c);
    },
  };
}

/**
 * The chains in the order of this round: issue 5's shared-chain views take the orders of every
 * permutation in turn, so that each config follows each other equally often (what one config
 * leaves behind, such as span batches still going out or garbage to collect, lands on the next
 * phase; a plain rotation would always hand it to the same config). The rest keep their order.
 */
export function roundOrder(o: Options, chains: readonly Chain[], round: number): Chain[] {
  if (!o.sharedTelemetry) return [...chains];
  const views = chains.filter((c) => TELEMETRY_CHAINS.includes(c.name));
  const orders = permutations(views.length);
  const order = orders[(round - 1) % orders.length]!;
  let k = 0;
  return chains.map((c) => (TELEMETRY_CHAINS.includes(c.name) ? views[order[k++]!]! : c));
}

/** Every order of 0 … n−1, lexicographic (within them each ordered pair of neighbours occurs equally often). */
function permutations(n: number): number[][] {
  if (n <= 1) return [[...Array(n).keys()]];
  const out: number[][] = [];
  for (let first = 0; first < n; first++) {
    for (const rest of permutations(n - 1)) out.push([first, ...rest.map((x) => (x >= first ? x + 1 : x))]);
  }
  return out;
}

/**
 * After a config switch: two seconds of closed-loop load, not measured, so that the phase starts
 * in the new config's steady state (the previous config's span batches, sent within a second, are out).
 */
async function settle(o: Options, chain: Chain): Promise<void> {
  await runLoadgen({ mode: 'closed', target: chain.target, connections: o.connections, durationMs: 2_000, maxRequests: 50_000_000 }, o.boost, () => {});
}

/** What each config of the shared chain did to the Istio request counters: 0 when metrics are off, two per request (both sidecars) when on. */
async function sharedTelemetryNotes(shared: Chain, counted: ReadonlyMap<ChainName, { requests: number; counted: number }>): Promise<string[]> {
  const per = [...counted].map(([name, c]) => `${name}: ${fmt(c.counted)} over ${fmt(c.requests)} responses (${(c.counted / Math.max(1, c.requests)).toFixed(2)} per response)`);
  const end = await shared.telemetry?.().catch((err: unknown) => `could not be read (${(err as Error).message})`);
  return [
    `Issue 5's chains ran as one Weft chain switched between their configs; istio_requests_total grew, during each config's measured phases, by ${per.join('; ')}.`,
    `Telemetry of that shared chain at the end of the run: ${end ?? 'not available'}.`,
  ];
}

async function main(argv: readonly string[]): Promise<number> {
  const o = parseOptions(argv);
  if (o === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  // This script, the load generator and the control plane share CPU 1; CPU 0 is the servers'.
  execFileSync('taskset', ['-apc', String(CLIENT_CPU), String(process.pid)], { stdio: 'ignore' });
  const boost = o.boost && canBoost();
  const haproxyVersion = o.chains.includes('haproxy') ? ensureHaproxy() : 'HAProxy not run';
  if (o.maxTool === 'wrk') ensureWrk();
  const launcherChoice = o.launcher === 'auto' ? detectLauncher(ROOT) : { kind: o.launcher, why: 'chosen with --launcher' };
  const run: Omit<RunInfo, 'notes'> = {
    date: new Date(),
    command: commandLine(argv),
    commit: gitCommit(),
    machine: machine(),
    node: process.version,
    haproxy: haproxyVersion,
    parameters: [],
  };
  progress(`${run.commit} on ${run.machine}; Node ${run.node}; ${haproxyVersion}`);

  const workDir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    progress('interrupted: stopping every process of the benchmark');
    void stopAll().finally(() => {
      rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const backend = await startBackend(ROOT, boost);
  const sink = o.chains.some((c) => TRACE_PERCENT[c] !== undefined) ? await startSpanSink(boost) : null;
  const side = new ServerSide(backend);
  const all: PhaseMeasurement[] = [];
  let profile: ProfileReport | null = null;
  const infoByName = new Map<ChainName, ChainInfo>();
  /** Chains that lost a process: why, and from when on they were not measured. */
  const dead = new Map<ChainName, string>();
  let telemetry: string[] = [];
  /** Issue 5's chains as views of one Weft chain (o.sharedTelemetry), and what each view's phases added to istio_requests_total. */
  let shared: Chain | null = null;
  const counted = new Map<ChainName, { requests: number; counted: number }>();
  try {
    for (const name of o.chains) {
      progress(`starting chain ${name}`);
      if (o.sharedTelemetry && TELEMETRY_CHAINS.includes(name)) {
        if (shared === null) {
          shared = await startWeftChain({ root: ROOT, workDir, backendPort: backend.port, launcher: launcherChoice.kind, accessLog: o.accessLog, boost });
        }
        const { config } = chainConfig(name, workDir, sink?.port ?? null);
        side.chains.push(telemetryView(shared, config!, counted));
        continue;
      }
      if (name === 'direct') side.chains.push(directChain(backend.port));
      else if (name === 'haproxy') side.chains.push(await startHaproxyChain(workDir, backend.port, boost));
      else {
        side.chains.push(await startWeftChain({
          root: ROOT, workDir, backendPort: backend.port, launcher: launcherChoice.kind, accessLog: o.accessLog, boost,
          ...chainConfig(name, workDir, sink?.port ?? null),
        }));
      }
    }
    for (const c of side.chains) {
      infoByName.set(c.name, { name: c.name, description: c.description, proxyRoles: c.proxies.map((p) => p.role), idleRssBytes: c.proxies.map((p) => memory(p.pid).rss) });
    }
    for (const c of side.chains) {
      await (c as Partial<TelemetryView>).prepare?.();
      await warmUp(o, c);
    }
    for (let round = 1; round <= o.rounds; round++) {
      for (const chain of roundOrder(o, side.chains, round)) {
        if (dead.has(chain.name)) continue;
        const view = chain as Partial<TelemetryView>;
        if (view.prepare !== undefined) {
          await view.prepare();
          await settle(o, chain);
        }
        for (const phase of phasesOf(o)) {
          const before = await view.countBefore?.();
          const m = await measure(o, side, chain, phase, round);
          if (before !== undefined) await view.countAfter!(before, m.completed);
          const failure = chain.failure() ?? (side.backendFailure());
          // A chain whose process ended mid-phase: the phase is kept as an error, the chain is not measured again.
          all.push(failure === null ? m : { ...m, errors: Math.max(1, m.errors) });
          progress(`round ${round}/${o.rounds} ${chain.name} ${phase}: ${describePhase(m)}`);
          if (failure !== null) {
            dead.set(chain.name, `round ${round}, ${phase} phase: ${failure}`);
            progress(`chain ${chain.name} FAILED: ${failure}`);
            break;
          }
        }
      }
    }
    // Give the sidecars' span queues (one second at most) time to leave before counting.
    if (sink !== null) await new Promise((r) => setTimeout(r, 2_000));
    telemetry = await telemetryNotes(side.chains, sink?.port ?? null);
    if (shared !== null) telemetry.push(...(await sharedTelemetryNotes(shared, counted)));
    for (const n of telemetry) progress(n);
    const profiled = PROFILED_CHAINS.filter((n) => o.profile && o.chains.includes(n) && !dead.has(n));
    if (profiled.length > 0) {
      // The measured Weft chains stop first, so that each profiled run has the servers' CPU to itself.
      for (const n of profiled) {
        const c = side.chains.find((x) => x.name === n)!;
        await c.stop();
        side.chains.splice(side.chains.indexOf(c), 1);
      }
      const reports: ProfileReport[] = [];
      for (const n of profiled) reports.push(await profileWeft(o, workDir, backend, launcherChoice.kind, n, sink?.port ?? null));
      profile = { how: reports[0]!.how, perProxy: reports.flatMap((r) => r.perProxy), missing: reports.flatMap((r) => r.missing) };
    }
  } finally {
    for (const c of side.chains) await c.stop();
    await shared?.stop();
    await backend.child.stop();
    await sink?.child.stop();
    rmSync(workDir, { recursive: true, force: true });
  }

  const infos = o.chains.flatMap((name) => infoByName.get(name) ?? []);
  const summaries = infos.map((i) => summarize(i, all));
  const fixedPhases = all.filter((m) => m.phase === 'fixed');
  const notes = [
    ...[...dead].map(([name, why]) => `**Chain ${name} failed and was not measured after ${why}**`),
    ...telemetry,
    `Weft processes started with ${launcherChoice.kind === 'cli' ? 'the CLI' : 'the launcher'}: ${launcherChoice.why}.`,
    `Noise: other processes used a median ${median(all.map((m) => m.foreignCpuPct)).toFixed(1)} % (max ${Math.max(0, ...all.map((m) => m.foreignCpuPct).filter((x) => !Number.isNaN(x))).toFixed(1)} %) of CPU 0 during the phases; the generator sent late by a median p99 of ${median(fixedPhases.map((m) => m.sendLagP99Us)).toFixed(0)} µs in the fixed-rate phases (that lateness is inside the latency figures).`,
  ];
  const parameters = [
    `Rounds: ${o.rounds}, interleaved (${o.chains.join(' → ')}${o.sharedTelemetry ? `; issue 5's chains are configs of one Weft chain, switched before each phase with 2 s of unmeasured load after the switch, in every order in turn (each follows each other equally often)` : ''}; each chain: fixed rate, then maximum throughput), after a ${o.warmupMs / 1000} s closed-loop warm-up of each chain (${o.connections} connections). Every figure is the median over the rounds; "added" latency is the median of the per-round differences to the direct chain.`,
    o.fixedMs === 0 ? 'Fixed rate: not run (--fixed-seconds 0): only maximum-throughput phases, interleaved chain by chain.' : `Fixed rate: ${o.rate} req/s for ${o.fixedMs / 1000} s per round, open loop (bench/lib/loadgen.ts, raw keep-alive sockets, 8 connections opened ahead and up to 64), latency measured from each request's scheduled send time (no coordinated omission).`,
    `Maximum throughput: closed loop, ${o.connections} connections, ${o.maxMs / 1000} s per round, with ${o.maxTool === 'wrk' ? '`wrk -t1` (Debian\'s package; bench/lib/loadgen.ts alone cannot saturate the direct chain)' : 'bench/lib/loadgen.ts'}.`,
    `Request: \`GET /\` with \`Host: backend:8080\` (the direct chain: the backend's address); answer 200 with a 38-byte body from bench/e2e/backend.ts (node:http), the same backend for all chains.`,
    `Pinning (taskset): backend and proxies on CPU ${SERVER_CPU}; load generator, Weft control plane and the bench script on CPU ${CLIENT_CPU}. CPU = utime + stime from /proc/<pid>/stat, both proxies together, read when the load starts and ends, per response received. RSS = peak VmRSS (sampled every 250 ms) during the fixed-rate phase.`,
    boost ? 'Priority: backend, proxies, load generators, Weft control planes and the span sink each in a session of their own with autogroup nice −20, so that other sessions\' work on this shared machine takes as little of their CPUs as the scheduler allows (and the fixed-rate generator, which polls, cannot starve the control plane on its CPU).' : 'Priority: normal (--no-boost, or not root).',
  ];
  const section = formatSection({ ...run, parameters, notes }, summaries, all, profile);
  process.stdout.write(`\n${section}\n`);
  if (o.write) {
    const existing = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
    writeFileSync(RESULTS, insertSection(existing, section));
    progress(`results written to ${RESULTS}`);
  }
  return 0;
}

if (import.meta.main) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    progress(`failed: ${(err as Error).stack ?? String(err)}`);
    await stopAll();
    process.exitCode = 1;
  }
  // Pooled fetch connections to the admin endpoints would otherwise hold the process a few seconds.
  process.exit();
}
