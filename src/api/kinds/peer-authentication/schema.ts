// Zod schema of the PeerAuthentication spec: strict, every field of types.ts.
import { z } from 'zod';
import { stringMap } from '../../schema/primitives.ts';
import type { AllSame, AssertAssignable, SameKeys } from '../../schema/type-check.ts';
import * as T from './types.ts';

const opt = <S extends z.ZodType>(s: S): z.ZodExactOptional<S> => s.exactOptional();

export const workloadSelector = z.strictObject({ matchLabels: opt(stringMap()) });
export const mutualTls = z.strictObject({ mode: opt(z.enum(T.MTLS_MODES)) });

export const peerAuthenticationSpec = z.strictObject({
  selector: opt(workloadSelector),
  mtls: opt(mutualTls),
  portLevelMtls: opt(z.record(z.string(), mutualTls)),
});

// The schema's output is usable as the contract type, and every message has the same fields.
export type _SpecIsAssignable = AssertAssignable<z.infer<typeof peerAuthenticationSpec>, T.PeerAuthenticationSpec>;
type Same<S extends z.ZodType, U> = SameKeys<z.infer<S>, U>;
export type _SameFields = AllSame<[
  Same<typeof workloadSelector, T.WorkloadSelector>,
  Same<typeof mutualTls, T.MutualTLS>,
  Same<typeof peerAuthenticationSpec, T.PeerAuthenticationSpec>,
]>;
