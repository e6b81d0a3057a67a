// Zod schema of the Telemetry spec: strict, every field of types.ts.
import { z } from 'zod';
import { duration, stringMap } from '../../schema/primitives.ts';
import type { AllSame, AssertAssignable, SameKeys } from '../../schema/type-check.ts';
import * as T from './types.ts';

const opt = <S extends z.ZodType>(s: S): z.ZodExactOptional<S> => s.exactOptional();

const workloadSelector = z.strictObject({ matchLabels: opt(stringMap()) });
const targetRef = z.strictObject({ group: opt(z.string()), kind: opt(z.string()), name: opt(z.string()), namespace: opt(z.string()) });
const providerRef = z.strictObject({ name: z.string() });
const mode = z.enum(T.SELECTOR_MODES);
const tracingSelector = z.strictObject({ mode: opt(mode) });
const literal = z.strictObject({ value: z.string() });
const environment = z.strictObject({ name: z.string(), defaultValue: opt(z.string()) });
const header = z.strictObject({ name: z.string(), defaultValue: opt(z.string()) });
const customTag = z.strictObject({ literal: opt(literal), environment: opt(environment), header: opt(header) });
const tracing = z.strictObject({
  match: opt(tracingSelector),
  providers: opt(z.array(providerRef)),
  randomSamplingPercentage: opt(z.number()),
  disableSpanReporting: opt(z.boolean()),
  customTags: opt(z.record(z.string(), customTag)),
  useRequestIdForTraceSampling: opt(z.boolean()),
});
const metricSelector = z.strictObject({ metric: opt(z.enum(T.METRIC_NAMES)), customMetric: opt(z.string()), mode: opt(mode) });
const tagOverride = z.strictObject({ operation: opt(z.enum(T.TAG_OPERATIONS)), value: opt(z.string()) });
const overrides = z.strictObject({ match: opt(metricSelector), disabled: opt(z.boolean()), tagOverrides: opt(z.record(z.string(), tagOverride)) });
const metrics = z.strictObject({ providers: opt(z.array(providerRef)), overrides: opt(z.array(overrides)), reportingInterval: opt(duration()) });
const accessLogSelector = z.strictObject({ mode: opt(mode) });
const filter = z.strictObject({ expression: opt(z.string()) });
const accessLogging = z.strictObject({ match: opt(accessLogSelector), providers: opt(z.array(providerRef)), disabled: opt(z.boolean()), filter: opt(filter) });

export const telemetrySpec = z.strictObject({
  selector: opt(workloadSelector),
  targetRef: opt(targetRef),
  targetRefs: opt(z.array(targetRef)),
  tracing: opt(z.array(tracing)),
  metrics: opt(z.array(metrics)),
  accessLogging: opt(z.array(accessLogging)),
});

// The schema's output is usable as the contract type, and every message has the same fields.
export type _SpecIsAssignable = AssertAssignable<z.infer<typeof telemetrySpec>, T.TelemetrySpec>;
type Same<S extends z.ZodType, U> = SameKeys<z.infer<S>, U>;
export type _SameFields = AllSame<[
  Same<typeof telemetrySpec, T.TelemetrySpec>, Same<typeof tracing, T.Tracing>, Same<typeof customTag, T.CustomTag>,
  Same<typeof metrics, T.Metrics>, Same<typeof overrides, T.MetricsOverrides>, Same<typeof metricSelector, T.MetricSelector>,
  Same<typeof accessLogging, T.AccessLogging>, Same<typeof targetRef, T.PolicyTargetReference>, Same<typeof header, T.CustomTagHeader>,
  Same<typeof environment, T.CustomTagEnvironment>, Same<typeof tagOverride, T.TagOverride>,
]>;
