// Zod schema of the LocalRateLimit spec: strict, every field of types.ts.
import { z } from 'zod';
import { duration, stringMap, uint32 } from '../../schema/primitives.ts';
import type { AllSame, AssertAssignable, SameKeys } from '../../schema/type-check.ts';
import * as T from './types.ts';

const opt = <S extends z.ZodType>(s: S): z.ZodExactOptional<S> => s.exactOptional();

export const labelSelector = z.strictObject({ matchLabels: opt(stringMap()) });

export const localRateLimitSpec = z.strictObject({
  selector: opt(labelSelector),
  direction: opt(z.enum(T.DIRECTIONS)),
  maxTokens: uint32(),
  tokensPerFill: opt(uint32()),
  fillInterval: duration(),
  enforcedPercent: opt(z.number()),
  responseHeaders: opt(stringMap()),
});

// The schema's output is usable as the contract type, and every message has the same fields.
export type _SpecIsAssignable = AssertAssignable<z.infer<typeof localRateLimitSpec>, T.LocalRateLimitSpec>;
type Same<S extends z.ZodType, U> = SameKeys<z.infer<S>, U>;
export type _SameFields = AllSame<[Same<typeof labelSelector, T.LabelSelector>, Same<typeof localRateLimitSpec, T.LocalRateLimitSpec>]>;
