// The Telemetry kind: telemetry.istio.io v1alpha1 and v1, tracing / metrics / access-log settings per mesh, namespace or workload.
import type { KindDefinition } from '../kind.ts';
import { TELEMETRY_FIELDS } from './fields.ts';
import { telemetrySpec } from './schema.ts';
import type { TelemetrySpec } from './types.ts';
import { validateTelemetry } from './validate.ts';

export const telemetryKind: KindDefinition<TelemetrySpec> = {
  kind: 'Telemetry',
  group: 'telemetry.istio.io',
  versions: ['v1alpha1', 'v1'],
  spec: telemetrySpec,
  fields: TELEMETRY_FIELDS,
  validate: validateTelemetry,
};
