// Which VirtualService fields Weft enforces, accepts without enforcing yet, or rejects (docs/compatibility.md mirrors this).
import { RETRY_CONDITIONS } from '../../../model/proxy-config.ts';
import type { FieldRule } from '../kind.ts';
import { MESH_GATEWAY } from './gateways.ts';

const enforced: FieldRule = { status: 'enforced' };

/** Sidecars act on "mesh"; other gateways need gateway proxies, which Weft does not run yet. */
const meshGatewayOnly: FieldRule = {
  status: 'enforced',
  enforcedWhen: (v) => Array.isArray(v) && v.every((g) => g === MESH_GATEWAY),
  note: 'Weft runs no gateways yet: only "mesh" takes effect',
};

/** The retryOn conditions the proxy acts on: Envoy's, gRPC's, and HTTP status codes (which imply retriable-status-codes). */
const ACTED_ON: ReadonlySet<string> = new Set(RETRY_CONDITIONS);
const retryOn: FieldRule = {
  status: 'enforced',
  enforcedWhen: (v) => typeof v === 'string' && v.split(',').map((c) => c.trim()).every((c) => c === '' || ACTED_ON.has(c) || /^\d{3}$/.test(c)),
  note: 'reset-before-request, retriable-headers, envoy-ratelimited and http3-post-connect-failure are left out of the proxy config; the other conditions are kept',
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
  'spec.http[].timeout': enforced,
  'spec.http[].retries.attempts': enforced,
  'spec.http[].retries.perTryTimeout': enforced,
  'spec.http[].retries.retryOn': retryOn,
  'spec.http[].retries.retryRemoteLocalities': {
    status: 'accepted',
    enforcedWhen: (v) => v === false,
    note: 'Weft has no localities yet: every endpoint is in one, so there is no remote locality to retry in',
  },
  'spec.http[].retries.retryIgnorePreviousHosts': enforced,
  'spec.http[].retries.backoff': enforced,
  'spec.http[].fault.delay.fixedDelay': enforced,
  'spec.http[].fault.delay.percentage': enforced,
  'spec.http[].fault.delay.percent': enforced,
  'spec.http[].fault.abort.httpStatus': enforced,
  'spec.http[].fault.abort.grpcStatus': {
    status: 'accepted',
    note: 'it reaches the proxy config, but Weft carries no gRPC yet, so no gRPC abort is answered',
  },
  'spec.http[].fault.abort.percentage': enforced,
  'spec.http[].mirror': enforced,
  'spec.http[].mirrors': enforced,
  'spec.http[].mirrorPercentage': enforced,
  'spec.http[].mirrorPercent': enforced,
  'spec.http[].fault.delay.exponentialDelay': { status: 'rejected', note: 'Istio rejects it too ("exponentialDelay not supported yet")' },
  'spec.http[].fault.abort.http2Error': { status: 'rejected', note: 'Istio rejects it too ("HTTP/2 abort fault injection not supported yet")' },
};
