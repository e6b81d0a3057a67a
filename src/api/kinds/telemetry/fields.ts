// Which Telemetry fields Weft enforces, accepts without enforcing, or rejects (docs/compatibility.md mirrors this).
import type { FieldRule } from '../kind.ts';

const enforced: FieldRule = { status: 'enforced' };
/** Istio applies a selector-less entry to both sides; Weft has no per-side tracing or logging yet. */
const bothSides: FieldRule = { status: 'enforced', enforcedWhen: (v) => v === 'CLIENT_AND_SERVER', note: 'Weft applies each entry to both the client and the server side' };
const noTargets: FieldRule = { status: 'rejected', note: 'Weft has no gateways or waypoints to target: select sidecars with selector' };

/** Patterns not listed here (and not under a listed one) are accepted, not yet enforced. */
export const TELEMETRY_FIELDS: Readonly<Record<string, FieldRule>> = {
  'spec.selector': enforced,
  'spec.targetRef': noTargets,
  'spec.targetRefs': noTargets,
  'spec.tracing[].match.mode': bothSides,
  'spec.tracing[].providers': enforced,
  'spec.tracing[].randomSamplingPercentage': enforced,
  'spec.tracing[].disableSpanReporting': enforced,
  'spec.tracing[].customTags.*.literal': enforced,
  'spec.tracing[].customTags.*.header': enforced,
  'spec.tracing[].customTags.*.environment': { status: 'enforced', note: 'read from each sidecar\'s environment, once per config' },
  'spec.tracing[].useRequestIdForTraceSampling': { status: 'accepted', note: 'Weft samples at random at the edge, not by x-request-id' },
  'spec.metrics[].providers[].name': { status: 'accepted', enforcedWhen: (v) => v === 'prometheus', note: 'Weft has one metrics provider, prometheus' },
  'spec.metrics[].overrides[].disabled': enforced,
  'spec.metrics[].overrides[].match.metric': { status: 'enforced', enforcedWhen: (v) => v === 'ALL_METRICS', note: 'Weft switches all metrics on or off together' },
  'spec.metrics[].overrides[].match.mode': bothSides,
  'spec.accessLogging[].match.mode': bothSides,
  'spec.accessLogging[].providers': enforced,
  'spec.accessLogging[].disabled': enforced,
};
