// Which EnvoyFilter fields Weft enforces, accepts without enforcing, or rejects (docs/compatibility.md mirrors this).
import type { FieldRule } from '../kind.ts';
import { SUPPORTED_PATCH } from './validate.ts';

/** Checked in full by validate.ts, which rejects every value outside the supported patch. */
const enforced: FieldRule = { status: 'enforced' };
const rejected: FieldRule = { status: 'rejected', note: SUPPORTED_PATCH };

/** Patterns not listed here (and not under a listed one) are accepted, not yet enforced. */
export const ENVOY_FILTER_FIELDS: Readonly<Record<string, FieldRule>> = {
  'spec.workloadSelector': enforced,
  'spec.targetRefs': { status: 'rejected', note: 'Weft has no gateways or waypoints to target: select sidecars with workloadSelector' },
  'spec.configPatches[].applyTo': enforced,
  'spec.configPatches[].match.context': enforced,
  'spec.configPatches[].match.proxy': rejected,
  'spec.configPatches[].match.listener.portNumber': { status: 'rejected', note: 'a local rate limit applies to every port of the workload in Weft' },
  'spec.configPatches[].match.listener.portName': rejected,
  'spec.configPatches[].match.listener.filterChain.name': rejected,
  'spec.configPatches[].match.listener.filterChain.sni': rejected,
  'spec.configPatches[].match.listener.filterChain.transportProtocol': rejected,
  'spec.configPatches[].match.listener.filterChain.applicationProtocols': rejected,
  'spec.configPatches[].match.listener.filterChain.filter': enforced,
  'spec.configPatches[].match.listener.filterChain.destinationPort': rejected,
  'spec.configPatches[].match.listener.listenerFilter': rejected,
  'spec.configPatches[].match.listener.name': rejected,
  'spec.configPatches[].match.routeConfiguration': rejected,
  'spec.configPatches[].match.cluster': rejected,
  'spec.configPatches[].patch.operation': enforced,
  'spec.configPatches[].patch.value': enforced,
  'spec.configPatches[].patch.filterClass': rejected,
};
