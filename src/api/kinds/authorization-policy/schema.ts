// Zod schema of the AuthorizationPolicy spec: strict, every field of types.ts.
import { z } from 'zod';
import { stringMap } from '../../schema/primitives.ts';
import type { AllSame, AssertAssignable, SameKeys } from '../../schema/type-check.ts';
import * as T from './types.ts';

const opt = <S extends z.ZodType>(s: S): z.ZodExactOptional<S> => s.exactOptional();
const strings = (): z.ZodExactOptional<z.ZodArray<z.ZodString>> => opt(z.array(z.string()));

export const workloadSelector = z.strictObject({ matchLabels: opt(stringMap()) });
export const targetReference = z.strictObject({ group: opt(z.string()), kind: opt(z.string()), name: opt(z.string()), namespace: opt(z.string()) });
export const extensionProvider = z.strictObject({ name: opt(z.string()) });

export const source = z.strictObject({
  principals: strings(),
  notPrincipals: strings(),
  requestPrincipals: strings(),
  notRequestPrincipals: strings(),
  namespaces: strings(),
  notNamespaces: strings(),
  ipBlocks: strings(),
  notIpBlocks: strings(),
  remoteIpBlocks: strings(),
  notRemoteIpBlocks: strings(),
});

export const operation = z.strictObject({
  hosts: strings(),
  notHosts: strings(),
  ports: strings(),
  notPorts: strings(),
  methods: strings(),
  notMethods: strings(),
  paths: strings(),
  notPaths: strings(),
});

export const ruleFrom = z.strictObject({ source: opt(source) });
export const ruleTo = z.strictObject({ operation: opt(operation) });
export const condition = z.strictObject({ key: z.string(), values: strings(), notValues: strings() });
export const rule = z.strictObject({ from: opt(z.array(ruleFrom)), to: opt(z.array(ruleTo)), when: opt(z.array(condition)) });

export const authorizationPolicySpec = z.strictObject({
  selector: opt(workloadSelector),
  targetRef: opt(targetReference),
  targetRefs: opt(z.array(targetReference)),
  rules: opt(z.array(rule)),
  action: opt(z.enum(T.AUTHZ_ACTIONS)),
  provider: opt(extensionProvider),
});

// The schema's output is usable as the contract type, and every message has the same fields.
export type _SpecIsAssignable = AssertAssignable<z.infer<typeof authorizationPolicySpec>, T.AuthorizationPolicySpec>;
type Same<S extends z.ZodType, U> = SameKeys<z.infer<S>, U>;
export type _SameFields = AllSame<[
  Same<typeof workloadSelector, T.WorkloadSelector>,
  Same<typeof targetReference, T.PolicyTargetReference>,
  Same<typeof extensionProvider, T.ExtensionProvider>,
  Same<typeof source, T.Source>,
  Same<typeof operation, T.Operation>,
  Same<typeof ruleFrom, T.RuleFrom>,
  Same<typeof ruleTo, T.RuleTo>,
  Same<typeof condition, T.Condition>,
  Same<typeof rule, T.Rule>,
  Same<typeof authorizationPolicySpec, T.AuthorizationPolicySpec>,
]>;
