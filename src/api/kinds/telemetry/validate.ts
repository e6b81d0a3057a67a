// Telemetry checks: a valid selector, percentages in range, custom tags with exactly one source, provider names given.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import type { ObjectMeta } from '../../resource.ts';
import { durationError } from '../../rules/durations.ts';
import { headerNameError } from '../../rules/headers.ts';
import { validateSelector } from '../../rules/labels.ts';
import type { ProviderRef, TelemetrySpec } from './types.ts';

export function validateTelemetry(spec: TelemetrySpec, _meta: ObjectMeta, report: Reporter): void {
  const at = (...p: (string | number)[]): FieldPath => ['spec', ...p];
  if (spec.selector !== undefined) validateSelector(spec.selector.matchLabels, at('selector', 'matchLabels'), report);
  const providers = (list: readonly ProviderRef[] | undefined, ...p: (string | number)[]): void => {
    (list ?? []).forEach((r, i) => {
      if (r.name === '') report.error(at(...p, 'providers', i, 'name'), 'provider name is required: the name of a meshConfig.extensionProviders entry (or "envoy", "prometheus")');
    });
  };
  (spec.tracing ?? []).forEach((t, i) => {
    providers(t.providers, 'tracing', i);
    const pct = t.randomSamplingPercentage;
    if (pct !== undefined && (!Number.isFinite(pct) || pct < 0 || pct > 100)) report.error(at('tracing', i, 'randomSamplingPercentage'), `randomSamplingPercentage ${pct} is not in range 0..100`);
    for (const [name, tag] of Object.entries(t.customTags ?? {})) {
      const p = at('tracing', i, 'customTags', name);
      if (name === '') report.error(p, 'a custom tag needs a name');
      const sources = [tag.literal, tag.environment, tag.header].filter((s) => s !== undefined).length;
      if (sources !== 1) report.error(p, `custom tag "${name}" must have exactly one of literal, environment, header (it has ${sources})`);
      if (tag.header !== undefined) {
        const e = headerNameError(tag.header.name);
        if (e !== null || tag.header.name.startsWith(':')) report.error([...p, 'header', 'name'], e ?? `header "${tag.header.name}": pseudo-headers cannot be tagged`);
      }
      if (tag.environment !== undefined && tag.environment.name === '') report.error([...p, 'environment', 'name'], 'environment variable name is required');
    }
  });
  (spec.metrics ?? []).forEach((m, i) => {
    providers(m.providers, 'metrics', i);
    if (m.reportingInterval !== undefined) {
      const e = durationError(m.reportingInterval);
      if (e !== null) report.error(at('metrics', i, 'reportingInterval'), e);
    }
    (m.overrides ?? []).forEach((o, j) => {
      if (o.match?.metric !== undefined && o.match.customMetric !== undefined) {
        report.error(at('metrics', i, 'overrides', j, 'match'), 'give either metric or customMetric, not both');
      }
    });
  });
  (spec.accessLogging ?? []).forEach((a, i) => providers(a.providers, 'accessLogging', i));
}
