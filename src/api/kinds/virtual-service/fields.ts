// Which VirtualService fields Weft enforces, accepts without enforcing yet, or rejects (docs/compatibility.md mirrors this).
import type { FieldRule } from '../kind.ts';
import { MESH_GATEWAY } from './gateways.ts';

const enforced: FieldRule = { status: 'enforced' };

/** Sidecars act on "mesh"; other gateways need gateway proxies, which Weft does not run yet. */
const meshGatewayOnly: FieldRule = {
  status: 'enforced',
  enforcedWhen: (v) => Array.isArray(v) && v.every((g) => g === MESH_GATEWAY),
  note: 'Weft runs no gateways yet: only "mesh" takes effect',
};

/** Patterns not listed here (and not under a listed one) are accepted, not yet enforced. */
export const VIRTUAL_SERVICE_FIELDS: Readonly<Record<string, FieldRule>> = {
  'spec.hosts': enforced,
  'spec.gateways': meshGatewayOnly,
  'spec.http[].name': enforced,
  'spec.http[].match[].name': enforced,
  'spec.http[].match[].uri': enforced,
  'spec.http[].match[].scheme': enforced,
  'spec.http[].match[].method': enforced,
  'spec.http[].match[].authority': enforced,
  'spec.http[].match[].headers': enforced,
  'spec.http[].match[].port': enforced,
  'spec.http[].match[].sourceLabels': enforced,
  'spec.http[].match[].gateways': meshGatewayOnly,
  'spec.http[].match[].queryParams': enforced,
  'spec.http[].match[].ignoreUriCase': enforced,
  'spec.http[].match[].withoutHeaders': enforced,
  'spec.http[].match[].sourceNamespace': enforced,
  'spec.http[].route[].destination': enforced,
  'spec.http[].route[].weight': enforced,
  'spec.http[].fault.delay.exponentialDelay': { status: 'rejected', note: 'Istio rejects it too ("exponentialDelay not supported yet")' },
  'spec.http[].fault.abort.http2Error': { status: 'rejected', note: 'Istio rejects it too ("HTTP/2 abort fault injection not supported yet")' },
};
