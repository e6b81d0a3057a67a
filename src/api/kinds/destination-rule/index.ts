// The DestinationRule kind: networking.istio.io v1alpha3 / v1beta1 / v1, one internal shape.
import type { KindDefinition } from '../kind.ts';
import { DESTINATION_RULE_FIELDS } from './fields.ts';
import { destinationRuleSpec } from './schema.ts';
import type { DestinationRuleSpec } from './types.ts';
import { validateDestinationRule } from './validate.ts';

export const destinationRuleKind: KindDefinition<DestinationRuleSpec> = {
  kind: 'DestinationRule',
  group: 'networking.istio.io',
  versions: ['v1alpha3', 'v1beta1', 'v1'],
  spec: destinationRuleSpec,
  fields: DESTINATION_RULE_FIELDS,
  validate: validateDestinationRule,
};
