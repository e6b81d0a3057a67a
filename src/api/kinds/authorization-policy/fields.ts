// Which AuthorizationPolicy fields Weft enforces or rejects (docs/compatibility.md mirrors this).
import type { FieldRule } from '../kind.ts';

export const AUTHORIZATION_POLICY_FIELDS: Readonly<Record<string, FieldRule>> = {
  spec: { status: 'enforced' },
  'spec.targetRef': { status: 'rejected', note: 'it attaches a policy to a Gateway or a waypoint, which Weft does not have; select workloads with `selector`' },
  'spec.targetRefs': { status: 'rejected', note: 'it attaches a policy to a Gateway or a waypoint, which Weft does not have; select workloads with `selector`' },
  'spec.provider': { status: 'rejected', note: 'it names the external authorizer of a CUSTOM policy; Weft has no ext_authz' },
};
