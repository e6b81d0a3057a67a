// The EnvoyFilter kind: networking.istio.io/v1alpha3, limited to patches that insert Envoy's local rate limit filter.
import type { KindDefinition } from '../kind.ts';
import { ENVOY_FILTER_FIELDS } from './fields.ts';
import { envoyFilterSpec } from './schema.ts';
import type { EnvoyFilterSpec } from './types.ts';
import { validateEnvoyFilter } from './validate.ts';

export const envoyFilterKind: KindDefinition<EnvoyFilterSpec> = {
  kind: 'EnvoyFilter',
  group: 'networking.istio.io',
  versions: ['v1alpha3'],
  spec: envoyFilterSpec,
  fields: ENVOY_FILTER_FIELDS,
  validate: validateEnvoyFilter,
};
