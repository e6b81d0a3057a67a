// Which AuthorizationPolicies apply to this proxy's workload, converted into the proxy's RBAC config (InboundAuthorization).
import type { AuthorizationPolicy } from '../../api/resource.ts';
import type { Condition, Operation, Rule, Source } from '../../api/kinds/authorization-policy/types.ts';
import { mapKeyOf } from '../../api/kinds/authorization-policy/validate.ts';
import type { AuthzCheck, AuthzIpAttribute, AuthzPolicy, AuthzRule, AuthzStringAttribute, AuthzStringMatch, InboundAuthorization, NodeInfo } from '../../model/proxy-config.ts';
import type { Workload } from './input.ts';
import { compareStrings, selects } from './labels.ts';

export interface AuthorizationParams {
  readonly policies: readonly AuthorizationPolicy[];
  readonly proxy: NodeInfo;
  readonly workloads: readonly Workload[];
  readonly rootNamespace: string;
}

/**
 * Scope, as Istio's PushContext.getAuthorizationPolicies: a policy in the mesh root namespace
 * applies to every workload its selector matches, in any namespace; one in another namespace only
 * to workloads of that namespace. No selector, or an empty one, selects every workload in scope.
 * Every applicable policy counts (they are not merged or ranked): the result is undefined when
 * none applies, so that a workload without policies has no authorization stage at all.
 */
export function buildAuthorization({ policies, proxy, workloads, rootNamespace }: AuthorizationParams): InboundAuthorization | undefined {
  const applicable = policies
    .filter((p) => (p.metadata.namespace === proxy.namespace || p.metadata.namespace === rootNamespace) && selects(p.spec.selector?.matchLabels, proxy.labels))
    .sort((a, b) => compareStrings(a.metadata.namespace, b.metadata.namespace) || compareStrings(a.metadata.name, b.metadata.name));
  if (applicable.length === 0) return undefined;
  const deny: AuthzPolicy[] = [];
  const allow: AuthzPolicy[] = [];
  const audit: AuthzPolicy[] = [];
  for (const p of applicable) {
    const converted: AuthzPolicy = { name: policyId(p), rules: (p.spec.rules ?? []).map(convertRule) };
    const action = p.spec.action ?? 'ALLOW';
    if (action === 'DENY') deny.push(converted);
    else if (action === 'ALLOW') allow.push(converted);
    else if (action === 'AUDIT') audit.push(converted);
    // CUSTOM never passes validation; were one stored, it would be skipped as Istio skips a CUSTOM policy without a provider.
  }
  // destination.ip: the address peers connect to; before the workload registers, loopback (local mode's only address).
  const own = workloads.find((w) => w.name === proxy.workload && w.namespace === proxy.namespace);
  return { deny, allow, audit, destinationIp: own?.address ?? '127.0.0.1' };
}

/** Istio's RBAC policy name: "ns[default]-policy[payment-service-policy]". */
export function policyId(p: AuthorizationPolicy): string {
  return `ns[${p.metadata.namespace}]-policy[${p.metadata.name}]`;
}

export function convertRule(rule: Rule): AuthzRule {
  return {
    from: (rule.from ?? []).map((f) => sourceChecks(f.source ?? {})),
    to: (rule.to ?? []).map((t) => operationChecks(t.operation ?? {})),
    when: (rule.when ?? []).flatMap(conditionChecks),
  };
}

/** "v" exact, "v*" prefix, "*v" suffix, "*" present: Istio's matcher.StringMatcher forms. */
export function stringMatch(value: string): AuthzStringMatch {
  if (value === '*') return { kind: 'present' };
  if (value.startsWith('*')) return { kind: 'suffix', value: value.slice(1) };
  if (value.endsWith('*')) return { kind: 'prefix', value: value.slice(0, -1) };
  return { kind: 'exact', value };
}

/** Adds the check for one list field and its not-form (each only when non-empty). */
function pair(out: AuthzCheck[], values: readonly string[] | undefined, notValues: readonly string[] | undefined, make: (vs: readonly string[], negate: boolean) => AuthzCheck): void {
  if (values !== undefined && values.length > 0) out.push(make(values, false));
  if (notValues !== undefined && notValues.length > 0) out.push(make(notValues, true));
}

const strCheck = (attribute: AuthzStringAttribute, lower = false) => (vs: readonly string[], negate: boolean): AuthzCheck =>
  ({ attribute, values: vs.map((v) => stringMatch(lower ? v.toLowerCase() : v)), negate });
const ipCheck = (attribute: AuthzIpAttribute) => (vs: readonly string[], negate: boolean): AuthzCheck => ({ attribute, cidrs: [...vs], negate });
const portCheck = (vs: readonly string[], negate: boolean): AuthzCheck => ({ attribute: 'destination.port', ports: vs.map(Number), negate });
const absentCheck = (key: string) => (vs: readonly string[], negate: boolean): AuthzCheck => ({ attribute: 'absent', key, values: vs.map(stringMatch), negate });

function sourceChecks(s: Source): AuthzCheck[] {
  const out: AuthzCheck[] = [];
  pair(out, s.principals, s.notPrincipals, strCheck('source.principal'));
  pair(out, s.requestPrincipals, s.notRequestPrincipals, absentCheck('request.auth.principal'));
  pair(out, s.namespaces, s.notNamespaces, strCheck('source.namespace'));
  pair(out, s.ipBlocks, s.notIpBlocks, ipCheck('source.ip'));
  pair(out, s.remoteIpBlocks, s.notRemoteIpBlocks, ipCheck('remote.ip'));
  return out;
}

function operationChecks(o: Operation): AuthzCheck[] {
  const out: AuthzCheck[] = [];
  pair(out, o.hosts, o.notHosts, strCheck('request.host', true));
  pair(out, o.ports, o.notPorts, portCheck);
  pair(out, o.methods, o.notMethods, strCheck('request.method'));
  pair(out, o.paths, o.notPaths, strCheck('request.path'));
  return out;
}

/** One condition: its values and notValues as two checks (AND). Keys were validated at apply. */
function conditionChecks(c: Condition): AuthzCheck[] {
  const out: AuthzCheck[] = [];
  const key = c.key;
  const header = mapKeyOf(key, 'request.headers');
  let make: (vs: readonly string[], negate: boolean) => AuthzCheck;
  if (header !== null) make = (vs, negate) => ({ attribute: 'request.header', header: header.toLowerCase(), values: vs.map(stringMatch), negate });
  else if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') make = ipCheck(key);
  else if (key === 'destination.port') make = portCheck;
  else if (key === 'source.namespace' || key === 'source.principal' || key === 'connection.sni') make = strCheck(key);
  else make = absentCheck(key);
  pair(out, c.values, c.notValues, make);
  return out;
}
