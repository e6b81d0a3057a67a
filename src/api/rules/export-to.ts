// exportTo lists: "." (this namespace), "*" (every namespace) or namespace names, without duplicates.
import type { FieldPath } from '../field-path.ts';
import type { Reporter } from '../reporter.ts';
import { isDns1123Label } from './names.ts';

/** Istio's validateExportTo for VirtualService and DestinationRule (not ServiceEntry, which also allows "~"). */
export function validateExportTo(exportTo: readonly string[] | undefined, namespace: string, hasSelector: boolean, path: FieldPath, report: Reporter): void {
  if (exportTo === undefined || exportTo.length === 0) return;
  const seen = new Set<string>();
  exportTo.forEach((entry, i) => {
    const key = entry === '.' ? namespace : entry;
    if (seen.has(key)) {
      report.error([...path, i], key !== entry ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${entry}`);
      return;
    }
    if (key !== '*' && !isDns1123Label(key)) {
      report.error([...path, i], `exportTo entry "${entry}" must be ".", "*" or a namespace name`);
      return;
    }
    seen.add(key);
  });
  if (hasSelector && seen.size > 0) {
    if (!seen.has(namespace)) report.error(path, 'destination rule with workload selector cannot have exportTo beyond current namespace');
    else if (seen.size > 1) report.error(path, 'destination rule with workload selector cannot have multiple entries in exportTo');
  }
  if (seen.has('*') && exportTo.length > 1) report.error(path, 'cannot have both public (*) and non-public exportTo values for a resource');
}
