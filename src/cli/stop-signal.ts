// Graceful stop for foreground commands: the first SIGINT/SIGTERM/SIGHUP asks for a clean shutdown, a second one exits at once.
import { constants } from 'node:os';
import { SIGNAL_EXIT_BASE } from './exit-codes.ts';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface StopWatch {
  /** Resolves with the first stop signal received. */
  readonly stopped: Promise<StopSignal>;
  /** Removes the handlers (the process then reacts to these signals by default again). */
  dispose(): void;
}

/**
 * Installs the handlers. A second signal while the clean shutdown runs calls `onForce` (which
 * should kill what the command started) and exits with 128 + the signal's number.
 */
export function watchStopSignals(onForce: () => void = () => {}): StopWatch {
  let first: StopSignal | null = null;
  let resolve!: (s: StopSignal) => void;
  const stopped = new Promise<StopSignal>((r) => { resolve = r; });
  const handlers = STOP_SIGNALS.map((sig) => {
    const h = (): void => {
      if (first === null) {
        first = sig;
        resolve(sig);
        return;
      }
      onForce();
      process.exit(SIGNAL_EXIT_BASE + constants.signals[sig]);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return {
    stopped,
    dispose: () => { for (const [sig, h] of handlers) process.off(sig, h); },
  };
}
