// The registry's services as the compiler sees them: deduplicated, with their FQDN and sorted ports, indexed by FQDN.
import { serviceFqdn } from '../../api/hosts.ts';
import type { ServiceEntryRecord } from './input.ts';
import { compareStrings } from './labels.ts';

export interface ServiceView {
  /** The name as registered; workloads back a service by this name. */
  readonly name: string;
  readonly namespace: string;
  /** Lower-case "<name>.<namespace>.svc.cluster.local". */
  readonly fqdn: string;
  /** Unique, ascending. */
  readonly ports: readonly number[];
}

export interface ServiceIndex {
  /** Sorted by FQDN. */
  readonly all: readonly ServiceView[];
  readonly byFqdn: ReadonlyMap<string, ServiceView>;
}

/**
 * Every proxy sees every service (Sidecar egress and exportTo scoping come with a later issue).
 * Two records for one name and namespace are one service with the union of their ports, so a
 * registry hiccup cannot produce two virtual hosts claiming the same domains.
 */
export function indexServices(services: readonly ServiceEntryRecord[]): ServiceIndex {
  const merged = new Map<string, { name: string; namespace: string; ports: Set<number> }>();
  for (const s of services) {
    const fqdn = serviceFqdn(s.name, s.namespace).toLowerCase();
    const entry = merged.get(fqdn) ?? { name: s.name, namespace: s.namespace, ports: new Set<number>() };
    for (const p of s.ports) entry.ports.add(p);
    merged.set(fqdn, entry);
  }
  const all = [...merged.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([fqdn, e]): ServiceView => ({ name: e.name, namespace: e.namespace, fqdn, ports: [...e.ports].sort((a, b) => a - b) }));
  return { all, byFqdn: new Map(all.map((s) => [s.fqdn, s])) };
}
