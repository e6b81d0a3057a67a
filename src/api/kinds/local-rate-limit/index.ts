// The LocalRateLimit kind: weft.dev/v1alpha1, Weft's first-class local rate limit.
import type { KindDefinition } from '../kind.ts';
import { LOCAL_RATE_LIMIT_FIELDS } from './fields.ts';
import { localRateLimitSpec } from './schema.ts';
import type { LocalRateLimitSpec } from './types.ts';
import { validateLocalRateLimit } from './validate.ts';

export const localRateLimitKind: KindDefinition<LocalRateLimitSpec> = {
  kind: 'LocalRateLimit',
  group: 'weft.dev',
  versions: ['v1alpha1'],
  spec: localRateLimitSpec,
  fields: LOCAL_RATE_LIMIT_FIELDS,
  validate: validateLocalRateLimit,
};
