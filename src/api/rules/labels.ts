// Label maps (selectors, subsets, sourceLabels): keys and values as Kubernetes and Istio's labels.Validate allow them.
import type { FieldPath } from '../field-path.ts';
import type { Reporter } from '../reporter.ts';
import { isDns1123Subdomain } from './names.ts';

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Why `key` is not a valid label key ("[prefix/]name"), or null. */
export function labelKeyError(key: string): string | null {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return `invalid label key "${key}": the prefix must be a DNS subdomain`;
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return `invalid label key "${key}": a name of up to 63 letters, digits, "-", "_" or "." that starts and ends with a letter or digit`;
  }
  return null;
}

/** Why `value` is not a valid label value, or null. */
export function labelValueError(value: string): string | null {
  if (value === '') return null;
  if (value.length > 63 || !NAME.test(value)) {
    return `invalid label value "${value}": up to 63 letters, digits, "-", "_" or "." that start and end with a letter or digit`;
  }
  return null;
}

export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: FieldPath, report: Reporter): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    const err = labelKeyError(k) ?? labelValueError(v);
    if (err !== null) report.error([...path, k], err);
  }
}

/** Istio's validateWorkloadSelector: no empty keys, no wildcards; an empty selector is a warning. */
export function validateSelector(labels: Readonly<Record<string, string>> | undefined, path: FieldPath, report: Reporter): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k === '') report.error([...path, k], `empty key is not supported in selector: "${k}=${v}"`);
    else if (k.includes('*') || v.includes('*')) report.error([...path, k], `wildcard is not supported in selector: "${k}=${v}"`);
    else {
      const err = labelKeyError(k) ?? labelValueError(v);
      if (err !== null) report.error([...path, k], err);
    }
  }
  if (Object.keys(labels ?? {}).length === 0) report.warning(path, 'workload selector specified without labels: it selects every workload of the namespace');
}
