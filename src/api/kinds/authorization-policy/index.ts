// The AuthorizationPolicy kind: security.istio.io v1beta1 and v1.
import type { KindDefinition } from '../kind.ts';
import { AUTHORIZATION_POLICY_FIELDS } from './fields.ts';
import { authorizationPolicySpec } from './schema.ts';
import type { AuthorizationPolicySpec } from './types.ts';
import { validateAuthorizationPolicy } from './validate.ts';

export const authorizationPolicyKind: KindDefinition<AuthorizationPolicySpec> = {
  kind: 'AuthorizationPolicy',
  group: 'security.istio.io',
  versions: ['v1beta1', 'v1'],
  spec: authorizationPolicySpec,
  fields: AUTHORIZATION_POLICY_FIELDS,
  validate: validateAuthorizationPolicy,
};
