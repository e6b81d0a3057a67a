// Checks across the whole would-be config: every subset a VirtualService routes to is defined by a DestinationRule.
import type { FieldIssue } from './field-issue.ts';
import { formatPath, type FieldPath } from './field-path.ts';
import { resolveHost } from './hosts.ts';
import type { DestinationRuleSpec } from './kinds/destination-rule/types.ts';
import { checkSingleMeshConfig } from './kinds/istio-operator/singleton.ts';
import type { Destination, VirtualServiceSpec } from './kinds/virtual-service/types.ts';
import type { LoadedResource } from './load.ts';
import { issueAt } from './reporter.ts';
import { resourceKey, type Resource } from './resource.ts';

export type BatchMode = 'apply' | 'delete';

export interface CrossValidationInput {
  /** The resources being applied (or deleted), as loaded. */
  readonly batch: readonly LoadedResource[];
  /** What the store holds now. */
  readonly stored: readonly Resource[];
  readonly mode: BatchMode;
}

/** A destination that names a subset, somewhere in a VirtualService. */
interface SubsetRef {
  readonly vs: Resource;
  readonly path: FieldPath;
  readonly host: string;
  readonly subset: string;
}

/** The subsets that DestinationRules define, by the host they resolve to. */
class SubsetIndex {
  readonly #rules: { readonly rule: Resource; readonly host: string; readonly spec: DestinationRuleSpec }[] = [];

  constructor(resources: readonly Resource[]) {
    for (const r of resources) {
      if (r.kind !== 'DestinationRule') continue;
      const spec = r.spec as DestinationRuleSpec;
      this.#rules.push({ rule: r, host: resolveHost(spec.host, r.metadata.namespace), spec });
    }
  }

  /** DestinationRules whose host covers `fqdn` ("*.example.com" covers "a.example.com"). */
  rulesFor(fqdn: string): Resource[] {
    return this.#rules.filter((e) => hostCovers(e.host, fqdn)).map((e) => e.rule);
  }

  subsetsFor(fqdn: string): Set<string> {
    const out = new Set<string>();
    for (const e of this.#rules) if (hostCovers(e.host, fqdn)) for (const s of e.spec.subsets ?? []) out.add(s.name);
    return out;
  }

  /** Subset names defined by more than one rule for one exact host: [host, name, rules in order]. */
  duplicates(): { host: string; name: string; rules: Resource[] }[] {
    const byHostAndName = new Map<string, { host: string; name: string; rules: Resource[] }>();
    for (const e of this.#rules) {
      for (const s of new Set((e.spec.subsets ?? []).map((x) => x.name))) {
        const key = `${e.host}\u0000${s}`;
        const entry = byHostAndName.get(key) ?? { host: e.host, name: s, rules: [] };
        entry.rules.push(e.rule);
        byHostAndName.set(key, entry);
      }
    }
    return [...byHostAndName.values()].filter((e) => e.rules.length > 1);
  }
}

function hostCovers(ruleHost: string, fqdn: string): boolean {
  return ruleHost === fqdn || (ruleHost.startsWith('*') && fqdn.endsWith(ruleHost.slice(1)));
}

function subsetRefs(vs: Resource): SubsetRef[] {
  if (vs.kind !== 'VirtualService') return [];
  const spec = vs.spec as VirtualServiceSpec;
  const out: SubsetRef[] = [];
  const add = (d: Destination | undefined, path: FieldPath): void => {
    if (d?.subset === undefined || d.subset === '') return;
    out.push({ vs, path: [...path, 'subset'], host: resolveHost(d.host, vs.metadata.namespace), subset: d.subset });
  };
  (spec.http ?? []).forEach((h, i) => {
    (h.route ?? []).forEach((r, j) => add(r.destination, ['spec', 'http', i, 'route', j, 'destination']));
    add(h.mirror, ['spec', 'http', i, 'mirror']);
    (h.mirrors ?? []).forEach((m, j) => add(m.destination, ['spec', 'http', i, 'mirrors', j, 'destination']));
  });
  for (const l4 of ['tcp', 'tls'] as const) {
    (spec[l4] ?? []).forEach((t, i) => (t.route ?? []).forEach((r, j) => add(r.destination, ['spec', l4, i, 'route', j, 'destination'])));
  }
  return out;
}

/**
 * Errors: a subset that no DestinationRule for its host defines, in the config as it would be after
 * the batch. A VirtualService of the batch gets the error at the destination's `subset`; a stored
 * one that the batch breaks (by changing or deleting its DestinationRule) puts the error on the
 * batch's DestinationRule for that host, naming the VirtualService. References that were already
 * broken before the batch are not the batch's doing and are left alone.
 *
 * Warnings: a subset name that several DestinationRules define for one host, when one of them is
 * in the batch (Istio merges such rules and keeps the first definition).
 */
export function crossValidate(input: CrossValidationInput): { readonly errors: readonly FieldIssue[]; readonly warnings: readonly FieldIssue[] } {
  const { batch, stored, mode } = input;
  const batchKeys = new Map(batch.map((b) => [resourceKey(b.resource), b]));
  const kept = stored.filter((r) => !batchKeys.has(resourceKey(r)));
  const after = mode === 'apply' ? [...kept, ...batch.map((b) => b.resource)] : kept;
  const beforeIndex = new SubsetIndex(stored);
  const afterIndex = new SubsetIndex(after);
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];

  for (const vs of after) {
    for (const ref of subsetRefs(vs)) {
      const defined = afterIndex.subsetsFor(ref.host);
      if (defined.has(ref.subset)) continue;
      const own = batchKeys.get(resourceKey(vs));
      if (own !== undefined) {
        errors.push(issueAt(own.origin, resourceKey(vs), ref.path, missingSubsetMessage(ref, defined)));
        continue;
      }
      if (!beforeIndex.subsetsFor(ref.host).has(ref.subset)) continue;
      const culprits = beforeIndex.rulesFor(ref.host).map((r) => batchKeys.get(resourceKey(r))).filter((b) => b !== undefined);
      const vsKey = `${ref.vs.metadata.namespace}/${ref.vs.metadata.name}`;
      for (const c of culprits) {
        const path: FieldPath = mode === 'delete' ? [] : ['spec', 'subsets'];
        errors.push(issueAt(c.origin, resourceKey(c.resource), path,
          `VirtualService ${vsKey} routes to subset "${ref.subset}" of ${ref.host} (${formatPath(ref.path)}), which no DestinationRule would define after this ${mode}`));
      }
    }
  }

  if (mode === 'apply') {
    for (const dup of afterIndex.duplicates()) {
      for (const rule of dup.rules) {
        const own = batchKeys.get(resourceKey(rule));
        if (own === undefined) continue;
        const others = dup.rules.filter((r) => r !== rule).map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
        const index = ((rule.spec as DestinationRuleSpec).subsets ?? []).findIndex((s) => s.name === dup.name);
        warnings.push(issueAt(own.origin, resourceKey(rule), ['spec', 'subsets', index, 'name'],
          `subset "${dup.name}" of ${dup.host} is also defined by DestinationRule ${others.join(', ')}; Istio merges the rules for one host and keeps the first definition`));
      }
    }
    errors.push(...checkSingleMeshConfig(batch, stored)); // issue 5: one IstioOperator per mesh
  }
  return { errors, warnings };
}

function missingSubsetMessage(ref: SubsetRef, defined: ReadonlySet<string>): string {
  const base = `subset "${ref.subset}" is not defined by any DestinationRule for host ${ref.host}`;
  if (defined.size === 0) return `${base}: there is no DestinationRule for this host with subsets; apply one that defines "${ref.subset}"`;
  return `${base} (defined: ${[...defined].sort().join(', ')})`;
}
