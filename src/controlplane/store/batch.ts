/** planBatch: the pure meaning of a batch — from the current resources and a list of upserts and deletes to the next resources and one result per item. */
import { isDeepStrictEqual } from 'node:util';
import { resourceKey, type Resource } from '../../api/resource.ts';
import { refKey, refOf, type ResourceRef, type ResourceResult } from './store.ts';

export interface BatchPlan {
  readonly next: ReadonlyMap<string, Resource>;
  readonly results: readonly ResourceResult[];
  readonly changed: boolean;
}

/**
 * Items apply in order against the running result, so a batch that upserts one key twice reports
 * "created" then "unchanged" (or "configured"). `current` is never modified.
 */
export function planBatch(
  current: ReadonlyMap<string, Resource>,
  upserts: readonly Resource[],
  deletes: readonly ResourceRef[],
): BatchPlan {
  const next = new Map(current);
  const results: ResourceResult[] = [];
  let changed = false;
  for (const raw of upserts) {
    const r = normalize(raw);
    const key = resourceKey(r);
    const before = next.get(key);
    const action = before === undefined ? 'created' : isDeepStrictEqual(before, r) ? 'unchanged' : 'configured';
    if (action !== 'unchanged') {
      next.set(key, r);
      changed = true;
    }
    results.push({ ...refOf(r), action });
  }
  for (const ref of deletes) {
    const key = refKey(ref);
    const existed = next.delete(key);
    if (existed) changed = true;
    results.push({ kind: ref.kind, namespace: ref.namespace, name: ref.name, action: existed ? 'deleted' : 'not-found' });
  }
  return { next, results, changed };
}

/** Resources are stored as JSON: drop undefined fields and functions, and freeze, so the store's copy cannot be changed from outside. */
export function normalize(r: Resource): Resource {
  return deepFreeze(JSON.parse(JSON.stringify(r)) as Resource);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Map from key to resource, sorted by key, from any list of stored resources. */
export function indexByKey(resources: readonly Resource[]): Map<string, Resource> {
  const sorted = resources.map(normalize).sort((a, b) => compareKeys(resourceKey(a), resourceKey(b)));
  return new Map(sorted.map((r) => [resourceKey(r), r]));
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
