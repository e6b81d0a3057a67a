// The deterministic workload of the store crash test: batch i and the exact content after revision R.
import type { Resource } from '../../src/api/resource.ts';
import type { ResourceRef } from '../../src/controlplane/store/store.ts';

function item(name: string, host: string): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default' },
    spec: { hosts: [host], http: [{ route: [{ destination: { host } }] }] },
  };
}

/** Batch i: create item-i, move the counter to i, and every fifth batch delete item-(i-3). Each batch changes the store, so batch i makes revision i. */
export function batchFor(i: number): { upserts: Resource[]; deletes: ResourceRef[] } {
  return {
    upserts: [item(`item-${i}`, `h${i}.example`), item('counter', `c${i}.example`)],
    deletes: i % 5 === 0 ? [{ kind: 'VirtualService', namespace: 'default', name: `item-${i - 3}` }] : [],
  };
}

/** Everything the store must hold at revision `revision`, sorted by name. */
export function contentAt(revision: number): Resource[] {
  const m = new Map<string, Resource>();
  for (let i = 1; i <= revision; i++) {
    const b = batchFor(i);
    for (const r of b.upserts) m.set(r.metadata.name, r);
    for (const d of b.deletes) m.delete(d.name);
  }
  return [...m.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}
