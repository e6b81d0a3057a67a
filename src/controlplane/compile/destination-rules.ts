// Which DestinationRule applies to a host for this proxy: Istio's namespace search order, workload selectors, merging.
import { resolveHost } from '../../api/hosts.ts';
import type { DestinationRule } from '../../api/resource.ts';
import type { Subset, TrafficPolicy } from '../../api/kinds/destination-rule/types.ts';
import type { NodeInfo } from '../../model/proxy-config.ts';
import { hostSpecificity, NO_MATCH } from './hosts.ts';
import { compareStrings, sameSelector, selects } from './labels.ts';

/** The rule in force for one host: one DestinationRule, or several of one namespace merged. */
export interface AppliedDestinationRule {
  /** "<namespace>/<name>" of the rules it was merged from, first one first. */
  readonly from: readonly string[];
  readonly trafficPolicy: TrafficPolicy | undefined;
  /** Unique by name. */
  readonly subsets: readonly Subset[];
}

/** `serviceNamespace` is undefined for a host that is not a registered service. */
export type DestinationRuleLookup = (fqdn: string, serviceNamespace: string | undefined) => AppliedDestinationRule | undefined;

interface Candidate {
  readonly key: string;
  readonly host: string;
  readonly selector: Readonly<Record<string, string>> | undefined;
  readonly rule: DestinationRule;
}

/**
 * Istio's lookup (PushContext.destinationRule + SidecarScope.DestinationRule), in order:
 *
 *   1. a rule in the proxy's namespace,
 *   2. a rule in the service's namespace,
 *   3. a rule in the mesh root namespace;
 *
 * the first namespace holding a rule for the host wins, and within it the most specific host
 * (exact, then the longest "*.suffix", then "*"). A rule with a workloadSelector applies only to
 * proxies of its own namespace whose labels match, and is preferred there over a rule without one.
 * Several rules left for one host are merged as Istio merges them: subsets are concatenated (the
 * first of a name wins) and the first top-level trafficPolicy wins. Istio orders them by creation
 * time, which Weft's store does not keep; Weft orders them by name.
 *
 * One deliberate difference: Weft drops rules whose selector does not match the proxy before it
 * looks for the most specific host, so such a rule never hides a broader rule or the next
 * namespace's rule; Istio in that corner case ends up with no rule at all.
 *
 * exportTo is not consulted yet (a later issue scopes visibility); every rule is visible to every proxy.
 */
export function indexDestinationRules(rules: readonly DestinationRule[], proxy: NodeInfo, rootNamespace: string): DestinationRuleLookup {
  const byNamespace = new Map<string, Candidate[]>();
  for (const rule of rules) {
    const ns = rule.metadata.namespace;
    const ws = rule.spec.workloadSelector;
    if (ws !== undefined && (ns !== proxy.namespace || !selects(ws.matchLabels, proxy.labels))) continue;
    const list = byNamespace.get(ns) ?? [];
    list.push({ key: `${ns}/${rule.metadata.name}`, host: resolveHost(rule.spec.host, ns), selector: ws && (ws.matchLabels ?? {}), rule });
    byNamespace.set(ns, list);
  }
  for (const list of byNamespace.values()) list.sort((a, b) => compareStrings(a.key, b.key));

  const cache = new Map<string, AppliedDestinationRule | undefined>();
  return (fqdn, serviceNamespace) => {
    const cacheKey = `${serviceNamespace ?? ''}|${fqdn}`;
    if (cache.has(cacheKey)) return cache.get(cacheKey);
    let found: AppliedDestinationRule | undefined;
    for (const ns of new Set([proxy.namespace, serviceNamespace, rootNamespace])) {
      if (ns === undefined) continue;
      found = pick(byNamespace.get(ns) ?? [], fqdn);
      if (found) break;
    }
    cache.set(cacheKey, found);
    return found;
  };
}

function pick(candidates: readonly Candidate[], fqdn: string): AppliedDestinationRule | undefined {
  let best = NO_MATCH;
  let top: Candidate[] = [];
  for (const c of candidates) {
    const s = hostSpecificity(c.host, fqdn);
    if (s > best) [best, top] = [s, [c]];
    else if (s === best && s !== NO_MATCH) top.push(c);
  }
  if (top.length === 0) return undefined;
  const withSelector = top.find((c) => c.selector !== undefined);
  const chosen = withSelector
    ? top.filter((c) => c.selector !== undefined && sameSelector(c.selector, withSelector.selector))
    : top.filter((c) => c.selector === undefined);
  return merge(chosen);
}

function merge(rules: readonly Candidate[]): AppliedDestinationRule {
  let trafficPolicy: TrafficPolicy | undefined;
  const subsets = new Map<string, Subset>();
  for (const { rule } of rules) {
    trafficPolicy ??= rule.spec.trafficPolicy;
    for (const s of rule.spec.subsets ?? []) if (!subsets.has(s.name)) subsets.set(s.name, s);
  }
  return { from: rules.map((r) => r.key), trafficPolicy, subsets: [...subsets.values()] };
}
