// Maps how a child process ended to the status a shell would report: its exit code, or 128 + the number of the signal that killed it.
import { constants } from 'node:os';

export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  // Node reports one of the two; treat the impossible as a failure rather than success.
  return 1;
}

/** "exited with status 3" / "was killed by SIGTERM": for progress messages. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (code !== null) return `exited with status ${code}`;
  if (signal !== null) return `was killed by ${signal}`;
  return 'ended';
}
