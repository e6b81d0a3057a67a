// Child processes of the benchmark: started pinned to one CPU, awaited until ready, and always stopped (SIGTERM, then SIGKILL) even when the run fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface PinnedChild {
  readonly name: string;
  /** The pid of the program itself: `taskset` execs it, so this is what /proc/<pid> describes. */
  readonly pid: number;
  readonly proc: ChildProcess;
  /** The last few KiB of stderr, for error messages. */
  stderrTail(): string;
  /** null while running; else how it ended ("exit code 1", "signal SIGKILL"). */
  exitInfo(): string | null;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnPinnedOptions {
  readonly name: string;
  readonly cpu: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called for each stdout line; the rest of stdout is read and dropped so the child never blocks on it. */
  readonly onLine?: (line: string) => void;
  /** Run in a session (so an autogroup) of its own with the highest CPU priority: see boostPriority(). */
  readonly boost?: boolean;
  /** Also append everything the child writes to stderr to this file (diagnosis: WEFT_BENCH_LOG_DIR). */
  readonly stderrFile?: string;
}

const live = new Set<PinnedChild>();

/**
 * Gives a process started with `detached` (its own session, so its own scheduler autogroup) the
 * highest CPU weight. With autogroup scheduling on (Linux's default for desktops and this VM), a
 * plain `nice` only ranks processes within one session; other sessions' work (a neighbour's tsc)
 * would still take half a shared core. The autogroup's own nice value ranks it against them. The
 * autogroup ends with the process. Needs root; returns false when neither way was allowed.
 */
export function boostPriority(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/autogroup`, '-20');
    return true;
  } catch {
    try {
      setPriority(pid, -20);
      return true;
    } catch {
      return false;
    }
  }
}

/** Whether boostPriority() can work here (root, and /proc/<pid>/autogroup or setpriority allowed). */
export function canBoost(): boolean {
  return process.getuid?.() === 0;
}
let exitHookInstalled = false;

/** Stops every child still running (newest first), e.g. on Ctrl-C. */
export async function stopAll(graceMs = 3_000): Promise<void> {
  for (const c of [...live].reverse()) await c.stop(graceMs);
}

/** On any exit of the benchmark, no child is left behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.proc.kill('SIGKILL');
  });
}

export function spawnPinned(o: SpawnPinnedOptions): PinnedChild {
  installExitHook();
  const proc = spawn('taskset', ['-c', String(o.cpu), o.command, ...o.args], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: o.boost === true,
  });
  if (proc.pid === undefined) throw new Error(`could not start ${o.name} (${o.command})`);
  if (o.boost === true) boostPriority(proc.pid);
  let tail = '';
  proc.stderr!.setEncoding('utf8');
  const log = o.stderrFile === undefined ? null : createWriteStream(o.stderrFile, { flags: 'a' });
  proc.stderr!.on('data', (s: string) => {
    tail = (tail + s).slice(-4096);
    log?.write(s);
  });
  proc.once('exit', () => log?.end());
  let partial = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (s: string) => {
    if (o.onLine === undefined) return;
    partial += s;
    let nl = partial.indexOf('\n');
    // Bounded: each turn consumes one line of what has arrived.
    while (nl !== -1) {
      o.onLine(partial.slice(0, nl));
      partial = partial.slice(nl + 1);
      nl = partial.indexOf('\n');
    }
    if (partial.length > 1 << 20) partial = '';
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  const child: PinnedChild = {
    name: o.name,
    pid: proc.pid,
    proc,
    stderrTail: () => tail,
    exitInfo: () => (proc.exitCode !== null ? `exit code ${proc.exitCode}` : proc.signalCode !== null ? `signal ${proc.signalCode}` : null),
    async stop(graceMs = 5_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
      live.delete(child);
    },
  };
  live.add(child);
  exited.then(() => live.delete(child), () => {});
  return child;
}

/** Resolves with the first stdout line that parses as JSON and passes `accept`; rejects on exit or timeout. */
export function firstJsonLine<T>(child: PinnedChild, lines: AsyncLineSource, accept: (v: unknown) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${child.name} did not report ready within ${timeoutMs} ms; stderr: ${child.stderrTail()}`)), timeoutMs);
    const onExit = (code: number | null, sig: string | null): void => done(new Error(`${child.name} exited (${code ?? sig}) before it was ready; stderr: ${child.stderrTail()}`));
    const off = lines.subscribe((line) => {
      let v: unknown;
      try { v = JSON.parse(line); } catch { return; }
      if (accept(v)) done(null, v as T);
    });
    child.proc.once('exit', onExit);
    function done(err: Error | null, v?: T): void {
      clearTimeout(timer);
      child.proc.off('exit', onExit);
      off();
      if (err !== null) reject(err);
      else resolve(v as T);
    }
  });
}

/** A fan-out of stdout lines: a child's onLine feeds it, waiters subscribe and unsubscribe. */
export class AsyncLineSource {
  #subs = new Set<(line: string) => void>();
  readonly push = (line: string): void => {
    for (const s of this.#subs) s(line);
  };
  subscribe(fn: (line: string) => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }
}

/** Runs a child to completion and returns its stdout (for one-shot helpers like the load generator). */
export function runPinned(o: Omit<SpawnPinnedOptions, 'onLine'> & { readonly timeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawnPinned({ ...o, onLine: (l) => { out += `${l}\n`; } });
    const timer = setTimeout(() => { void child.stop(1_000); }, o.timeoutMs);
    // 'close' comes after the process exited *and* its stdout was read to the end.
    child.proc.once('close', (code, sig) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${o.name} failed (${code ?? sig}); stderr: ${child.stderrTail()}`));
    });
  });
}

/** A port free at the moment of asking (the kernel picks it; a short race with others is accepted on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Thrown by a probe to stop waiting at once (the process being waited for has died). */
export class GiveUp extends Error {}

/** Throws GiveUp when the child has exited: for probes that wait on it. */
export function assertAlive(child: PinnedChild): void {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
    throw new GiveUp(`${child.name} exited (${child.proc.exitCode ?? child.proc.signalCode}): ${child.stderrTail()}`);
  }
}

/**
 * Polls `probe` every `everyMs` until it returns true; throws after `timeoutMs` with `what`. A
 * probe that throws counts as "not yet", except GiveUp, which ends the wait.
 */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await probe().catch((err: unknown) => {
      if (err instanceof GiveUp) throw err;
      return false;
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
