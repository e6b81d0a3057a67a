// Converts Istio's trafficPolicy.loadBalancer into the LbPolicy a cluster balances its endpoints with.
import type { LoadBalancerSettings } from '../../../api/kinds/destination-rule/types.ts';
import type { LbPolicy } from '../../../model/proxy-config.ts';

/**
 * Istio's default since 1.14 is LEAST_REQUEST, and LEAST_CONN is its deprecated alias. UNSPECIFIED,
 * PASSTHROUGH and consistentHash are not balanced differently yet (the api layer says "accepted, not
 * yet enforced"), so they fall back to that default rather than to something that only looks right.
 */
export function convertLoadBalancer(lb: LoadBalancerSettings | undefined): LbPolicy {
  switch (lb?.simple) {
    case 'ROUND_ROBIN':
      return 'ROUND_ROBIN';
    case 'RANDOM':
      return 'RANDOM';
    case 'LEAST_REQUEST':
    case 'LEAST_CONN':
    case 'UNSPECIFIED':
    case 'PASSTHROUGH':
    case undefined:
      return 'LEAST_REQUEST';
  }
}
