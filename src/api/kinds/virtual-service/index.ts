// The VirtualService kind: networking.istio.io v1alpha3 / v1beta1 / v1, one internal shape.
import type { KindDefinition } from '../kind.ts';
import { VIRTUAL_SERVICE_FIELDS } from './fields.ts';
import { virtualServiceSpec } from './schema.ts';
import type { VirtualServiceSpec } from './types.ts';
import { validateVirtualService } from './validate.ts';

export const virtualServiceKind: KindDefinition<VirtualServiceSpec> = {
  kind: 'VirtualService',
  group: 'networking.istio.io',
  versions: ['v1alpha3', 'v1beta1', 'v1'],
  spec: virtualServiceSpec,
  fields: VIRTUAL_SERVICE_FIELDS,
  validate: validateVirtualService,
};
