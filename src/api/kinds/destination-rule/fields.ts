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

/** Sidecars speak HTTP/1.1 to each other: asking not to upgrade needs nothing from Weft. */
const h2Upgrade: FieldRule = {
  status: 'accepted',
  enforcedWhen: (v) => v === 'DEFAULT' || v === 'DO_NOT_UPGRADE',
  note: 'sidecars speak HTTP/1.1 to each other until HTTP/2 lands',
};

/** Without the split, local origin failures count as 5xx: what Weft does. */
const noSplit: FieldRule = { status: 'accepted', enforcedWhen: (v) => v === false, note: 'local origin failures count as 5xx errors, as when the split is off' };

/** The fields one trafficPolicy (or one of its port-level entries) has enforced. */
function policyRules(prefix: string): Record<string, FieldRule> {
  return {
    [`${prefix}.loadBalancer.simple`]: simpleLb,
    [`${prefix}.connectionPool.tcp.maxConnections`]: enforced,
    [`${prefix}.connectionPool.tcp.connectTimeout`]: enforced,
    [`${prefix}.connectionPool.tcp.idleTimeout`]: enforced,
    [`${prefix}.connectionPool.http.http1MaxPendingRequests`]: enforced,
    [`${prefix}.connectionPool.http.http2MaxRequests`]: enforced,
    [`${prefix}.connectionPool.http.maxRequestsPerConnection`]: enforced,
    [`${prefix}.connectionPool.http.maxRetries`]: enforced,
    [`${prefix}.connectionPool.http.idleTimeout`]: enforced,
    [`${prefix}.connectionPool.http.h2UpgradePolicy`]: h2Upgrade,
    [`${prefix}.outlierDetection.splitExternalLocalOriginErrors`]: noSplit,
    [`${prefix}.outlierDetection.consecutiveGatewayErrors`]: enforced,
    [`${prefix}.outlierDetection.consecutive5xxErrors`]: enforced,
    [`${prefix}.outlierDetection.consecutiveErrors`]: enforced,
    [`${prefix}.outlierDetection.interval`]: enforced,
    [`${prefix}.outlierDetection.baseEjectionTime`]: enforced,
    [`${prefix}.outlierDetection.maxEjectionPercent`]: enforced,
    [`${prefix}.outlierDetection.minHealthPercent`]: enforced,
    // Issue 4 (item 1): the client side of mutual TLS, over auto mTLS (docs/security-mtls.md).
    [`${prefix}.tls.mode`]: enforced,
    [`${prefix}.tls.clientCertificate`]: enforced,
    [`${prefix}.tls.privateKey`]: enforced,
    [`${prefix}.tls.caCertificates`]: enforced,
    [`${prefix}.tls.subjectAltNames`]: enforced,
    [`${prefix}.tls.sni`]: enforced,
    [`${prefix}.tls.insecureSkipVerify`]: enforced,
  };
}

/** A trafficPolicy at any of its places: its own fields and its port-level entries (which override them for one port). */
function trafficPolicyRules(prefix: string): Record<string, FieldRule> {
  return {
    ...policyRules(prefix),
    [`${prefix}.portLevelSettings[].port.number`]: enforced,
    ...policyRules(`${prefix}.portLevelSettings[]`),
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
