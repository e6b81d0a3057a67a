// One mesh config per mesh: an apply that would leave two IstioOperators is refused at the newcomer.
import type { FieldIssue } from '../../field-issue.ts';
import type { LoadedResource } from '../../load.ts';
import { issueAt } from '../../reporter.ts';
import { resourceKey, type Resource } from '../../resource.ts';

/**
 * Istio reads one mesh config; two IstioOperators would leave it to chance which one wins. So the
 * config after an apply holds at most one: each IstioOperator of the batch that is not the one
 * already stored (same namespace and name) gets an error naming the stored one. Re-applying the
 * stored one, or deleting it and applying another, works.
 */
export function checkSingleMeshConfig(batch: readonly LoadedResource[], stored: readonly Resource[]): FieldIssue[] {
  const errors: FieldIssue[] = [];
  const first = stored.find((r) => r.kind === 'IstioOperator');
  let holder = first === undefined ? undefined : resourceKey(first);
  for (const b of batch) {
    if (b.resource.kind !== 'IstioOperator') continue;
    const key = resourceKey(b.resource);
    if (holder === undefined) holder = key;
    else if (key !== holder) {
      errors.push(issueAt(b.origin, key, ['metadata', 'name'],
        `the mesh already has its IstioOperator (${holder}); Weft reads one mesh config: apply yours under that namespace and name, or delete ${holder} first`));
    }
  }
  return errors;
}
