// Label selection as Kubernetes and Istio do it: a selector picks a label set when every selector pair is in it.

/** True when `labels` carries every key of `selector` with the same value; an empty selector selects everything. */
export function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return true;
  for (const [key, value] of Object.entries(selector)) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return true;
}

/** True when both selectors hold the same pairs (key order does not matter). */
export function sameSelector(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ea = Object.entries(a ?? {});
  const eb = b ?? {};
  return ea.length === Object.keys(eb).length && ea.every(([k, v]) => Object.hasOwn(eb, k) && eb[k] === v);
}

/**
 * A copy with keys in code-point order. Output records are canonical so that two inputs that differ
 * only in key order compile to byte-identical JSON (the push layer hashes it into the config version).
 */
export function sortedLabels(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort(compareStrings)) out[key] = labels[key]!;
  return out;
}

/** Locale-independent string order (localeCompare would make output depend on the environment). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
