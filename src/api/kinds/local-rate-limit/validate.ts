// LocalRateLimit checks: a usable token bucket, a valid selector, percentages and header names a sidecar can send.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import type { ObjectMeta } from '../../resource.ts';
import { durationError } from '../../rules/durations.ts';
import { headerNameError, headerValueError } from '../../rules/headers.ts';
import { validateSelector } from '../../rules/labels.ts';
import { parseDuration } from '../../../lib/duration.ts';
import type { LocalRateLimitSpec } from './types.ts';

/** Envoy's local rate limiter refuses faster refills; Weft keeps the same floor. */
export const MIN_FILL_INTERVAL_MS = 50;

export function validateLocalRateLimit(spec: LocalRateLimitSpec, _meta: ObjectMeta, report: Reporter): void {
  const at = (...p: (string | number)[]): FieldPath => ['spec', ...p];
  if (spec.selector !== undefined) validateSelector(spec.selector.matchLabels, at('selector', 'matchLabels'), report);
  if (spec.maxTokens < 1) report.error(at('maxTokens'), 'maxTokens must be at least 1');
  if (spec.tokensPerFill !== undefined && spec.tokensPerFill < 1) report.error(at('tokensPerFill'), 'tokensPerFill must be at least 1 (leave it out to refill the whole bucket each interval)');
  const err = durationError(spec.fillInterval);
  if (err !== null) report.error(at('fillInterval'), err);
  else if (parseDuration(spec.fillInterval)! < MIN_FILL_INTERVAL_MS) report.error(at('fillInterval'), `fillInterval must be at least ${MIN_FILL_INTERVAL_MS}ms (got ${spec.fillInterval})`);
  const pct = spec.enforcedPercent;
  if (pct !== undefined && (!Number.isFinite(pct) || pct < 0 || pct > 100)) report.error(at('enforcedPercent'), `enforcedPercent ${pct} is not in range 0..100`);
  for (const [name, value] of Object.entries(spec.responseHeaders ?? {})) {
    const e = name.startsWith(':') ? `header "${name}": pseudo-headers cannot be added` : headerNameError(name) ?? headerValueError(value);
    if (e !== null) report.error(at('responseHeaders', name), e);
  }
}
