// Which DestinationRule fields Weft enforces, accepts without enforcing yet, or rejects (docs/compatibility.md mirrors this).
import type { FieldRule } from '../kind.ts';

const enforced: FieldRule = { status: 'enforced' };

/** The policies the balancer implements; LEAST_CONN is Istio's deprecated alias of LEAST_REQUEST. */
const ENFORCED_LB = new Set(['UNSPECIFIED', 'ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'LEAST_CONN']);
const simpleLb: FieldRule = {
  status: 'enforced',
  enforcedWhen: (v) => typeof v === 'string' && ENFORCED_LB.has(v),
  note: 'PASSTHROUGH balances as LEAST_REQUEST until it is enforced',
};

/** The load-balancer fields a trafficPolicy (at any of its places) has enforced. */
function trafficPolicyRules(prefix: string): Record<string, FieldRule> {
  return {
    [`${prefix}.loadBalancer.simple`]: simpleLb,
    [`${prefix}.portLevelSettings[].port.number`]: enforced,
    [`${prefix}.portLevelSettings[].loadBalancer.simple`]: simpleLb,
  };
}

/** Patterns not listed here (and not under a listed one) are accepted, not yet enforced. */
export const DESTINATION_RULE_FIELDS: Readonly<Record<string, FieldRule>> = {
  'spec.host': enforced,
  ...trafficPolicyRules('spec.trafficPolicy'),
  'spec.subsets[].name': enforced,
  'spec.subsets[].labels': enforced,
  ...trafficPolicyRules('spec.subsets[].trafficPolicy'),
  'spec.workloadSelector': enforced,
};
