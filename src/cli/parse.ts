// Parsers for option values (ports, labels, durations, counts); each throws commander's InvalidArgumentError, which the CLI reports as a usage error.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../lib/duration.ts';

export function parsePort(value: string): number {
  const n = parseInteger(value);
  if (n === null || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port number from 1 to 65535.');
  return n;
}

/** A port, or 0 for "pick a free one". */
export function parseListenPort(value: string): number {
  const n = parseInteger(value);
  if (n === null || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 (any free port) to 65535.');
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = parseInteger(value);
  if (n === null || n < 1) throw new InvalidArgumentError('expected a whole number greater than 0.');
  return n;
}

/** Istio's duration syntax ("30s", "1m30s", "500ms") to milliseconds. */
export function parseDurationMs(value: string): number {
  const ms = parseDuration(value.trim());
  if (ms === null || ms <= 0) throw new InvalidArgumentError('expected a duration like 30s, 1m or 1500ms.');
  return ms;
}

/** Seconds as a plain number ("8", "2.5") or as a duration ("8s", "1m"), to milliseconds. */
export function parseSecondsMs(value: string): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) {
    const s = Number(v);
    if (s > 0) return Math.round(s * 1000);
  }
  const ms = parseDuration(v);
  if (ms === null || ms <= 0) throw new InvalidArgumentError('expected seconds (like 8) or a duration (like 30s or 2m).');
  return ms;
}

// Kubernetes label syntax: optional DNS-subdomain prefix and "/", then a name of up to 63 characters.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** "k=v" to a [key, value] pair with Kubernetes' label syntax. */
export function parseLabel(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${text}" is not of the form key=value.`);
  const key = text.slice(0, eq);
  const value = text.slice(eq + 1);
  if (!LABEL_KEY.test(key)) throw new InvalidArgumentError(`"${key}" is not a valid label key (letters, digits, "-", "_", ".", optional "prefix/").`);
  if (!LABEL_VALUE.test(value)) throw new InvalidArgumentError(`"${value}" is not a valid label value (up to 63 letters, digits, "-", "_", ".").`);
  return [key, value];
}

/** Commander reducer for a repeatable `--label k=v`. */
export function collectLabel(text: string, previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const [k, v] = parseLabel(text);
  return { ...previous, [k]: v };
}

/** Commander reducer for a repeatable string option (`-f a -f b`). */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

function parseInteger(value: string): number | null {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}
