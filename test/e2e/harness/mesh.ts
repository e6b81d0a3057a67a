// A mesh of real processes on loopback for the end-to-end tests: `weft control-plane` and `weft run` workloads, each in its own process group, all stopped and checked gone on close.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWeft, type Result, type WeftProcess } from '../../cli/harness.ts';
import { rememberStateDir } from '../../controlplane/harness.ts';

export { CANARY, type Result } from '../../cli/harness.ts';

/** The Node running the tests (the pinned 24): the system `node` may be older and ignore NODE_USE_ENV_PROXY. */
export const NODE = process.execPath;
/** test/cli's plain app: answers `{"app":"echo","path":…,"version":$VERSION}` on $PORT and prints `echo up on <port> …`. */
export const ECHO_APP = fileURLToPath(new URL('../../cli/apps/echo-server.ts', import.meta.url));
/** The demo's user-service: `GET /users/<id>` → `{"id":…,"name":…,"servedBy":{"service":"user-service","version":…}}`. */
export const USER_SERVICE_APP = fileURLToPath(new URL('../../../src/demo/services/user-service.ts', import.meta.url));
/** Directory of this folder's small apps (no mesh code in any of them). */
export const E2E_APPS = fileURLToPath(new URL('../apps/', import.meta.url));

/** The variable every process of one mesh carries, so that a leftover can be found in /proc. */
const MARKER_VAR = 'WEFT_E2E_MARKER';
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const CLI_TIMEOUT_MS = 30_000;

/** Pids of live processes whose environment carries `marker` (every process a mesh starts inherits it). */
export async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    // A zombie's environ reads empty: it is gone but for its parent's wait().
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.includes(marker)) found.push(Number(entry));
  }
  return found;
}

/** Resident memory of a live process in bytes (VmRSS of /proc/<pid>/status). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (m === null) throw new Error(`no VmRSS in /proc/${pid}/status (is the process a zombie?)`);
  return Number(m[1]) * 1024;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One look at a condition: done with its value, or not yet with what was seen (for the failure message). */
export type Probe<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly last: string };

/**
 * Polls `probe` every `intervalMs` until it is done; after `timeoutMs` throws
 * "<what> within <n> s; last: <what the probe saw last>". A probe that throws counts as not done.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<Probe<T>>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '(never probed)';
  for (;;) {
    try {
      const r = await probe();
      if (r.done) return r.value;
      last = r.last;
    } catch (err) {
      last = `probe failed: ${(err as Error).message}`;
    }
    if (Date.now() >= deadline) throw new Error(`${what} within ${Math.round(timeoutMs / 1000)} s; last: ${last}`);
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** `p`, or an error naming `what` and the process's output so far when it takes longer than `timeoutMs`. */
async function within<T>(p: Promise<T>, timeoutMs: number, what: string, proc: WeftProcess): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const { stdout, stderr } = proc.output();
          reject(new Error(`${what} within ${Math.round(timeoutMs / 1000)} s\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`));
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** A process of the mesh: a `weft` command in its own process group. */
export class MeshProcess {
  readonly proc: WeftProcess;
  readonly description: string;
  #exited = false;

  constructor(proc: WeftProcess, description: string) {
    this.proc = proc;
    this.description = description;
    void proc.done.then(() => { this.#exited = true; });
  }

  get pid(): number {
    const pid = this.proc.child.pid;
    if (pid === undefined) throw new Error(`${this.description} has no pid: it did not start`);
    return pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  output(): { stdout: string; stderr: string } {
    return this.proc.output();
  }

  /** Resolves when `re` matches its stdout or stderr; fails with its output after `timeoutMs` or when it exits first. */
  waitFor(re: RegExp, timeoutMs: number, what = `${this.description} printed ${re}`): Promise<void> {
    return within(this.proc.waitFor(re), timeoutMs, what, this.proc);
  }

  /** Sends `signal` to its whole process group (e.g. SIGKILL: the process and its app die at once). */
  signalGroup(signal: NodeJS.Signals): void {
    killGroup(this.proc.child.pid, signal);
  }

  /** Its end, or an error with its output after `timeoutMs`. */
  done(timeoutMs: number): Promise<Result> {
    return within(this.proc.done, timeoutMs, `${this.description} did not exit`, this.proc);
  }

  /**
   * SIGTERM to the `weft` process (`weft run` forwards it to its app; the sidecar drains), then,
   * after `graceMs` or once it exited, SIGKILL to its whole group so that nothing of it survives.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<Result | null> {
    let result: Result | null = null;
    if (!this.#exited) {
      try { this.proc.child.kill('SIGTERM'); } catch { /* gone */ }
      let timer: NodeJS.Timeout | undefined;
      result = await Promise.race([this.proc.done, new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), graceMs); })]);
      clearTimeout(timer);
    }
    killGroup(this.proc.child.pid, 'SIGKILL');
    return result ?? (this.#exited ? await this.proc.done : null);
  }
}

export interface RunSpec {
  readonly service: string;
  readonly version?: string;
  readonly namespace?: string;
  /** The service port callers write in URLs (default 8080). */
  readonly port?: number;
  /** The app's command (what follows `--`). */
  readonly command: readonly string[];
  /** Added to the environment of `weft run`, which passes it to the app. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The sidecar's access log: `off` by default (the tests count in the apps), `stderr` to read it.
   * The log is off in the mesh config until something turns it on (as in Istio), so the first
   * `stderr` workload makes the mesh apply ACCESS_LOG_ON before it starts.
   */
  readonly accessLog?: 'off' | 'stderr';
  /** Wait until the app prints this, after the sidecar is ready. */
  readonly appReady?: RegExp;
  /** More flags for `weft run`, before `--`. */
  readonly flags?: readonly string[];
}

export interface SidecarPorts {
  readonly outbound: number;
  readonly inbound: number;
  readonly admin: number;
  readonly app: number;
}

/** A `weft run` workload: the sidecar in the `weft run` process (its pid), the app its child. */
export class Workload extends MeshProcess {
  /** "<workload>.<namespace>", as `weft proxy-status` names it. */
  readonly proxyId: string;
  readonly ports: SidecarPorts;

  constructor(proc: WeftProcess, description: string, proxyId: string, ports: SidecarPorts) {
    super(proc, description);
    this.proxyId = proxyId;
    this.ports = ports;
  }

  /** The sidecar's `/config_dump` (what it serves, its certificate's SPIFFE id, its listeners). */
  async configDump(): Promise<ConfigDump> {
    const res = await fetch(`http://127.0.0.1:${this.ports.admin}/config_dump`, { signal: AbortSignal.timeout(5000), headers: { connection: 'close' } });
    if (res.status !== 200) throw new Error(`${this.description}: /config_dump answered ${res.status}`);
    return (await res.json()) as ConfigDump;
  }

  /**
   * Waits until this sidecar's config has, for each cluster whose name contains the key (e.g.
   * "|v2|order-service."), at least the given number of endpoints.
   */
  async waitForEndpoints(want: Readonly<Record<string, number>>, timeoutMs = 15_000): Promise<void> {
    await waitUntil(`${this.description}'s sidecar never had the endpoints ${JSON.stringify(want)}`, async () => {
      const dump = await this.configDump();
      const have: Record<string, number> = {};
      for (const key of Object.keys(want)) {
        have[key] = (dump.config?.clusters ?? []).filter((c) => c.name.includes(key)).reduce((n, c) => n + c.endpoints.length, 0);
      }
      const ok = Object.entries(want).every(([k, n]) => (have[k] ?? 0) >= n);
      return ok ? { done: true, value: undefined } : { done: false, last: `endpoints per cluster key: ${JSON.stringify(have)}` };
    }, timeoutMs);
  }
}

/** The parts of the sidecar's /config_dump the tests read. */
export interface ConfigDump {
  readonly node: { readonly id: string; readonly service: string };
  readonly listeners: { readonly outbound: string; readonly inbound: string; readonly app: string };
  readonly certificate: { readonly spiffeId: string; readonly notAfter: string };
  readonly config: {
    readonly version: string;
    readonly clusters: readonly { readonly name: string; readonly endpoints: readonly { readonly port: number; readonly workload: string }[] }[];
  } | null;
}

/**
 * Istio's way to turn the sidecars' access log on for the whole mesh (a root-namespace Telemetry
 * naming the `envoy` provider; the log is off by default, as in Istio). A test that applies its
 * own istio-system/mesh-default replaces it.
 */
export const ACCESS_LOG_ON = `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: istio-system
spec:
  accessLogging:
  - providers:
    - name: envoy
`;

const READY_LINE = /sidecar for .+? ready: outbound 127\.0\.0\.1:(\d+) inbound 127\.0\.0\.1:(\d+) admin 127\.0\.0\.1:(\d+); app port (\d+)/;
const STARTING_LINE = /starting sidecar for .+? \(workload (\S+), control plane/;

/**
 * A control plane (`weft control-plane --port 0`, state in a fresh temporary directory) and the
 * workloads started through it. Every process runs in its own process group and carries a
 * marker in its environment; close() stops them all and fails if any process with the marker
 * is still alive.
 */
export class Mesh {
  readonly url: string;
  readonly stateDir: string;
  readonly marker: string;
  /** The environment every command of this mesh gets: the control plane and the marker. */
  readonly env: Readonly<Record<string, string>>;
  readonly #base: string;
  readonly #controlPlane: MeshProcess;
  readonly #processes = new Set<MeshProcess>();
  #closed = false;
  #accessLog: Promise<void> | null = null;

  private constructor(url: string, base: string, marker: string, controlPlane: MeshProcess) {
    this.url = url;
    this.#base = base;
    this.stateDir = join(base, 'state');
    this.marker = marker;
    // The state directory is where `weft` finds the admin token and the root (issue 4): run and proxy mint their own join tokens.
    this.env = { WEFT_CONTROL_PLANE: url, WEFT_STATE_DIR: this.stateDir, [MARKER_VAR]: marker };
    this.#controlPlane = controlPlane;
  }

  /** `controlPlaneFlags` go to `weft control-plane` as well (e.g. `--graph-window 20s`). */
  static async start(controlPlaneFlags: readonly string[] = []): Promise<Mesh> {
    const base = await mkdtemp(join(tmpdir(), 'weft-e2e-'));
    const marker = `weft-e2e-${randomUUID()}`;
    const cp = new MeshProcess(startWeft(['control-plane', '--port', '0', '--state-dir', join(base, 'state'), ...controlPlaneFlags], { env: { [MARKER_VAR]: marker }, detached: true }), 'weft control-plane');
    try {
      await cp.waitFor(/listening on https:\/\/127\.0\.0\.1:\d+/, READY_TIMEOUT_MS, 'weft control-plane never printed "listening on https://127.0.0.1:<port>"');
    } catch (err) {
      await cp.stop(1000);
      await rm(base, { recursive: true, force: true });
      throw err;
    }
    const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(cp.output().stdout + cp.output().stderr)?.[1] ?? '';
    // So that test/controlplane/harness.ts `call(mesh.url, …)` authenticates as each route asks (issue 4).
    rememberStateDir(url, join(base, 'state'));
    return new Mesh(url, base, marker, cp);
  }

  get controlPlane(): MeshProcess {
    return this.#controlPlane;
  }

  #spawn(args: readonly string[], env: Readonly<Record<string, string>>, input?: string): WeftProcess {
    if (this.#closed) throw new Error('the mesh is closed');
    return startWeft(args, { env: { ...this.env, ...env }, detached: true, ...(input === undefined ? {} : { input }) });
  }

  /**
   * Starts any `weft <args>` as a process of this mesh (its own group, the marker, the control
   * plane in its environment), stopped by close() if still running: e.g. a control plane started
   * again on `new URL(mesh.url).port` with `--state-dir mesh.stateDir`.
   */
  spawn(args: readonly string[], description = `weft ${args.join(' ')}`, env: Readonly<Record<string, string>> = {}): MeshProcess {
    return this.#track(new MeshProcess(this.#spawn(args, env), description));
  }

  #track<P extends MeshProcess>(p: P): P {
    this.#processes.add(p);
    void p.proc.done.then(() => this.#processes.delete(p));
    return p;
  }

  /** `weft <args>` against this mesh's control plane, to its end (killed after `timeoutMs`); `input` is its stdin (for `-f -`). */
  /** Applies ACCESS_LOG_ON once (concurrent callers share the one apply). */
  #accessLogOn(): Promise<void> {
    this.#accessLog ??= this.weft(['apply', '-f', '-'], CLI_TIMEOUT_MS, ACCESS_LOG_ON).then((r) => {
      if (r.code !== 0) throw new Error(`weft apply of the access-log mesh config exited ${r.code}\n${r.stdout}${r.stderr}`);
    });
    return this.#accessLog;
  }

  async weft(args: readonly string[], timeoutMs = CLI_TIMEOUT_MS, input?: string): Promise<Result> {
    const p = this.#track(new MeshProcess(this.#spawn(args, {}, input), `weft ${args.join(' ')}`));
    try {
      return await p.done(timeoutMs);
    } finally {
      killGroup(p.proc.child.pid, 'SIGKILL');
    }
  }

  #runArgs(spec: RunSpec): string[] {
    return [
      'run', '--service', spec.service,
      ...(spec.version === undefined ? [] : ['--version', spec.version]),
      ...(spec.namespace === undefined ? [] : ['--namespace', spec.namespace]),
      '--port', String(spec.port ?? 8080),
      '--access-log', spec.accessLog ?? 'off',
      ...(spec.flags ?? []),
      '--', ...spec.command,
    ];
  }

  /** Starts a long-running workload with `weft run`; resolves once its sidecar is ready (and its app printed `appReady`). */
  async run(spec: RunSpec): Promise<Workload> {
    if (spec.accessLog === 'stderr') await this.#accessLogOn();
    const label = `weft run --service ${spec.service}${spec.version === undefined ? '' : ` --version ${spec.version}`}`;
    const proc = this.#spawn(this.#runArgs(spec), spec.env ?? {});
    const pending = this.#track(new MeshProcess(proc, label));
    await pending.waitFor(READY_LINE, READY_TIMEOUT_MS, `${label}: the sidecar was never ready`);
    const { stderr } = proc.output();
    const ready = READY_LINE.exec(stderr);
    const proxyId = STARTING_LINE.exec(stderr)?.[1];
    if (ready === null || proxyId === undefined) throw new Error(`${label}: cannot read the workload name and ports from:\n${stderr}`);
    const [outbound, inbound, admin, app] = ready.slice(1, 5).map(Number) as [number, number, number, number];
    const w = new Workload(proc, label, proxyId, { outbound, inbound, admin, app });
    this.#processes.delete(pending);
    this.#track(w);
    if (spec.appReady !== undefined) await w.waitFor(spec.appReady, READY_TIMEOUT_MS, `${label}: the app never printed ${spec.appReady}`);
    return w;
  }

  /** Runs a workload whose app is a one-shot client, to its end (killed after `timeoutMs`). */
  async runToEnd(spec: RunSpec, timeoutMs = 60_000): Promise<Result> {
    const label = `weft run --service ${spec.service} -- ${spec.command.join(' ')}`;
    const p = this.#track(new MeshProcess(this.#spawn(this.#runArgs(spec), spec.env ?? {}), label));
    try {
      return await p.done(timeoutMs);
    } finally {
      killGroup(p.proc.child.pid, 'SIGKILL');
    }
  }

  /** Waits until `weft proxy-status` shows each of `proxyIds` synced and connected. */
  async waitForSynced(proxyIds: readonly string[], timeoutMs = 15_000): Promise<void> {
    await waitUntil(`proxy-status never showed ${proxyIds.join(', ')} synced`, async () => {
      const r = await this.weft(['proxy-status']);
      const missing = proxyIds.filter((id) => !new RegExp(`^${id.replaceAll('.', '\\.')}\\s.*\\ssynced\\s+yes$`, 'm').test(r.stdout));
      return missing.length === 0 ? { done: true, value: undefined } : { done: false, last: `(exit ${r.code}) ${r.stdout}${r.stderr}` };
    }, timeoutMs, 300);
  }

  /**
   * Stops every workload (SIGTERM, then SIGKILL to its group), then the control plane, removes the
   * state directory, and throws if any process of this mesh is still alive (those are killed first).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#processes].map((p) => p.stop()));
    await this.#controlPlane.stop();
    let left: number[] = [];
    try {
      left = await waitUntil('', async () => {
        const pids = await processesWith(this.marker);
        return pids.length === 0 ? { done: true, value: pids } : { done: false, last: pids.join(' ') };
      }, 3000, 100);
    } catch {
      left = await processesWith(this.marker);
    }
    const described = await Promise.all(left.map(async (pid) => `${pid} ${(await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '')).replaceAll('\0', ' ')}`));
    for (const pid of left) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    await rm(this.#base, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`processes of the mesh were left behind (now killed):\n${described.join('\n')}`);
  }
}
