// Istio duration strings as milliseconds, for converters whose input the api layer has already validated.
import { parseDuration } from '../../../lib/duration.ts';

/** Milliseconds of a validated duration ("3s", "1.5s", "250ms"); an invalid one is a bug upstream, not user input. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`compile: invalid duration ${JSON.stringify(text)} reached the compiler (the api layer validates durations)`);
  return Math.round(ms);
}

/**
 * A Percent as Envoy receives it from Istio: Istio writes `uint32(value * 10000)` parts per million,
 * so anything below 0.0001 % is cut off, and the float arithmetic is JavaScript's as much as Go's.
 */
export function percentOf(value: number): number {
  return Math.trunc(value * 10_000) / 10_000;
}
