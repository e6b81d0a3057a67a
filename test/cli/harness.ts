// Runs `weft` as a real process (this Node, bin/weft.js) and starts real control planes on port 0 for the CLI tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/runner/free-port.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startControlPlane, type RunningControlPlane } from '../../src/controlplane/main.ts';

export const WEFT_BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const CANARY = fileURLToPath(new URL('../../src/demo/canary.yaml', import.meta.url));
/** A URL nothing listens on: a port just found free (not a low one: fetch refuses "bad ports" like 9). */
export async function nothingThere(): Promise<string> {
  return `https://127.0.0.1:${await freePort()}`;
}

export interface Result {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface WeftProcess {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  readonly output: () => { stdout: string; stderr: string };
  /** Resolves when `re` matches stdout or stderr; rejects if the process ends first. */
  waitFor(re: RegExp): Promise<void>;
  readonly done: Promise<Result>;
}

/** The state directory of the last control plane startTestControlPlane() started: where `weft` finds its credentials (issue 4). */
let testStateDir: string | undefined;

/**
 * Starts `weft <args>`; WEFT_CONTROL_PLANE and the credentials (WEFT_TOKEN, WEFT_JOIN_TOKEN,
 * WEFT_CA_FILE) are never inherited from the developer's shell; WEFT_STATE_DIR is the test
 * control plane's unless `opts.env` says otherwise.
 */
export function startWeft(args: readonly string[], opts: { env?: Record<string, string | undefined>; input?: string; detached?: boolean } = {}): WeftProcess {
  const env: Record<string, string | undefined> = {
    ...process.env, WEFT_CONTROL_PLANE: undefined, WEFT_TOKEN: undefined, WEFT_JOIN_TOKEN: undefined, WEFT_CA_FILE: undefined, WEFT_STATE_DIR: testStateDir, WEFT_LOG_LEVEL: 'warn', ...opts.env,
  };
  const child = spawn(process.execPath, [WEFT_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: opts.detached ?? false });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; for (const w of waiters) w(); });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; for (const w of waiters) w(); });
  child.stdin.end(opts.input ?? '');
  const done = new Promise<Result>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    output: () => ({ stdout, stderr }),
    done,
    waitFor(re) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (re.test(stdout) || re.test(stderr)) { waiters.delete(check); resolve(); }
        };
        waiters.add(check);
        check();
        void done.then((r) => { if (waiters.delete(check)) reject(new Error(`weft ended (${r.code ?? r.signal}) before printing ${re}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)); });
      });
    },
  };
}

/** Runs `weft <args>` to completion. */
export function weft(args: readonly string[], opts: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Result> {
  return startWeft(args, opts).done;
}

export interface TestControlPlane {
  readonly url: string;
  readonly cp: RunningControlPlane;
  close(): Promise<void>;
}

/** A real control plane in this process, on port 0, in a fresh state directory removed on close. */
export async function startTestControlPlane(opts: { leaseTtlMs?: number } = {}): Promise<TestControlPlane> {
  const base = await mkdtemp(join(tmpdir(), 'weft-cli-'));
  const cp = await startControlPlane({ stateDir: join(base, 'state'), port: 0, logger: silentLogger, ...opts });
  testStateDir = cp.stateDir;
  return {
    url: cp.url,
    cp,
    async close() {
      await cp.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}
