// The application child of `weft run`: spawned with inherited stdio, its end reported once as a shell-style status, signals forwarded to it.
import { spawn } from 'node:child_process';
import { exitStatusOf } from './exit-status.ts';

export interface AppExit {
  /** What `weft run` exits with: the app's code, 128 + signal, or 127/126 when it could not be spawned. */
  readonly status: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process never started (ENOENT, EACCES…). */
  readonly spawnError?: Error;
}

export interface AppProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<AppExit>;
  /** True while the process has not been reaped. */
  readonly running: boolean;
  kill(signal: NodeJS.Signals): void;
}

export function startApp(command: readonly string[], env: Readonly<Record<string, string>>): AppProcess {
  const [file, ...args] = command;
  if (file === undefined) throw new Error('startApp: empty command');
  // Same process group as weft run: a group kill (Ctrl-C in a terminal, `weft demo`'s cleanup) reaches both.
  const child = spawn(file, args, { stdio: 'inherit', env });
  let running = true;
  const exited = new Promise<AppExit>((resolve) => {
    child.once('error', (err) => {
      // 'error' also fires for a failed kill(); only a failed spawn (no pid) ends the app.
      if (child.pid !== undefined) return;
      running = false;
      const code = (err as { code?: unknown }).code;
      resolve({ status: code === 'ENOENT' ? 127 : 126, code: null, signal: null, spawnError: err });
    });
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ status: exitStatusOf(code, signal), code, signal });
    });
  });
  return {
    pid: child.pid,
    exited,
    get running() { return running; },
    kill(signal) {
      if (running) child.kill(signal);
    },
  };
}

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Forwards SIGINT, SIGTERM and SIGHUP received by this process to `app`, so that the app decides
 * how to stop (and its status becomes ours). Returns the function that removes the handlers.
 */
export function forwardSignals(app: Pick<AppProcess, 'kill'>, onSignal: (sig: NodeJS.Signals) => void = () => {}): () => void {
  const handlers = FORWARDED_SIGNALS.map((sig) => {
    const h = (): void => {
      onSignal(sig);
      app.kill(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => { for (const [sig, h] of handlers) process.off(sig, h); };
}
