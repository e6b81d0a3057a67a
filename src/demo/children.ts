// The demo's child processes: each `weft …` child leads its own process group, so that stopping the demo reaches every grandchild and leaves nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bin/weft.js of this checkout, run with this very Node (24, which runs the TypeScript). */
export const WEFT_BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

const TAIL_LINES = 40;

/** The child ended before printing the line waited for. */
export class ChildExitedError extends Error {}

export interface ChildExit { readonly code: number | null; readonly signal: NodeJS.Signals | null }

export class DemoChild {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  #exit: ChildExit | null = null;
  #tail: string[] = [];
  #listeners = new Set<(line: string, stream: 'stdout' | 'stderr') => void>();

  constructor(name: string, proc: ChildProcess) {
    if (proc.pid === undefined) throw new Error(`could not start ${name}`);
    this.name = name;
    this.pid = proc.pid;
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      proc[stream]?.setEncoding('utf8');
      proc[stream]?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.#line(line, stream);
      });
    }
  }

  get running(): boolean { return this.#exit === null; }

  /** The last lines it printed (both streams), for a failure report. */
  tail(n = 12): string[] { return this.#tail.slice(-n); }

  /** Resolves with the first line that matches, rejects when the child exits first or `signal` aborts. */
  waitForLine(re: RegExp, signal: AbortSignal): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const done = (): void => { this.#listeners.delete(listener); signal.removeEventListener('abort', onAbort); };
      const listener = (line: string): void => {
        const m = re.exec(line);
        if (m !== null) { done(); resolve(m); }
      };
      const onAbort = (): void => { done(); reject(signal.reason); };
      this.#listeners.add(listener);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.exited.then((e) => { done(); reject(new ChildExitedError(`${this.name} exited (${e.code ?? e.signal}) before it was ready`)); });
      if (signal.aborted) onAbort();
    });
  }

  #line(line: string, stream: 'stdout' | 'stderr'): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    for (const l of this.#listeners) l(line, stream);
  }
}

export class DemoChildren {
  readonly #children: DemoChild[] = [];

  /** Starts `weft <args>` in a new process group, output captured. */
  spawnWeft(name: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>): DemoChild {
    const proc = spawn(process.execPath, [WEFT_BIN, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    const child = new DemoChild(name, proc);
    this.#children.push(child);
    return child;
  }

  get all(): readonly DemoChild[] { return this.#children; }

  /**
   * SIGTERM to every group (workloads before the control plane, so that they deregister), up
   * to `graceMs` for them to exit, then SIGKILL to every group whatever is left in it.
   */
  async stopAll(graceMs: number, order: (c: DemoChild) => number = () => 0): Promise<void> {
    const byStage = new Map<number, DemoChild[]>();
    for (const c of this.#children) {
      const s = order(c);
      byStage.set(s, [...(byStage.get(s) ?? []), c]);
    }
    for (const stage of [...byStage.keys()].sort((a, b) => a - b)) {
      const group = byStage.get(stage)!;
      for (const c of group) signalGroup(c.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(group.map((c) => c.exited)),
        new Promise((r) => { timer = setTimeout(r, graceMs); }),
      ]);
      clearTimeout(timer);
    }
    this.killAllNow();
  }

  /** SIGKILL to every group, synchronously (also safe from an 'exit' handler). */
  killAllNow(): void {
    for (const c of this.#children) signalGroup(c.pid, 'SIGKILL');
  }
}

/** Signals the whole process group led by `pid`; a group that is already gone is fine. */
function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ESRCH') throw err;
  }
}
