// Duration fields as Istio checks them (agent.ValidateDuration): parseable, at least 1ms, millisecond precision.
import { parseDuration } from '../../lib/duration.ts';
import type { FieldPath } from '../field-path.ts';
import type { Reporter } from '../reporter.ts';

export interface DurationRule {
  /** "0s" is allowed (it disables the setting, as for tcp.idleTimeout). */
  readonly allowZero?: boolean;
  /** Only whole seconds (CORS maxAge). */
  readonly seconds?: boolean;
}

/** Why `text` is not an acceptable duration, or null. */
export function durationError(text: string, rule: DurationRule = {}): string | null {
  const ms = parseDuration(text);
  if (ms === null) return `invalid duration "${text}": write a number with a unit, as "3s", "1.5s", "250ms" or "1h30m"`;
  if (ms === 0 && rule.allowZero === true) return null;
  if (ms < 1) return `duration "${text}" must be at least 1ms`;
  if (Math.abs(ms - Math.round(ms)) > 1e-6) return `duration "${text}": only millisecond precision is supported`;
  if (rule.seconds === true && Math.round(ms) % 1000 !== 0) return `duration "${text}" is accurate only to seconds precision`;
  return null;
}

export function checkDuration(text: string | undefined, path: FieldPath, report: Reporter, rule?: DurationRule): void {
  if (text === undefined) return;
  const err = durationError(text, rule);
  if (err !== null) report.error(path, err);
}
