// Istio's host matching for resources that name hosts: exact names, "*.suffix" wildcards and "*", ranked by specificity.

/** How specifically `pattern` names `fqdn`: higher is more specific, `NO_MATCH` when it does not name it at all. */
export function hostSpecificity(pattern: string, fqdn: string): number {
  if (pattern === fqdn) return EXACT;
  if (pattern === '*') return 0;
  // "*.example.com" names every host under ".example.com" (at any depth) but not "example.com" itself.
  if (pattern.startsWith('*.') && fqdn.endsWith(pattern.slice(1))) return pattern.length - 1;
  return NO_MATCH;
}

export const NO_MATCH = -1;
const EXACT = Number.MAX_SAFE_INTEGER;

/** The highest specificity with which any of `patterns` names `fqdn`. */
export function bestHostSpecificity(patterns: readonly string[], fqdn: string): number {
  let best = NO_MATCH;
  for (const p of patterns) best = Math.max(best, hostSpecificity(p, fqdn));
  return best;
}
