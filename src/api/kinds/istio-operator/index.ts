// The IstioOperator kind: install.istio.io/v1alpha1 read as the mesh configuration (its meshConfig), one per mesh.
import type { KindDefinition } from '../kind.ts';
import { ISTIO_OPERATOR_FIELDS } from './fields.ts';
import { istioOperatorSpec } from './schema.ts';
import type { IstioOperatorSpec } from './types.ts';
import { validateIstioOperator } from './validate.ts';

/** metadata.name of an IstioOperator whose YAML has no metadata (the seed's has none). */
export const DEFAULT_ISTIO_OPERATOR_NAME = 'default';

export const istioOperatorKind: KindDefinition<IstioOperatorSpec> = {
  kind: 'IstioOperator',
  group: 'install.istio.io',
  versions: ['v1alpha1'],
  spec: istioOperatorSpec,
  fields: ISTIO_OPERATOR_FIELDS,
  defaultName: DEFAULT_ISTIO_OPERATOR_NAME,
  validate: validateIstioOperator,
};
