// Warns about HTTP rules that can never match: after a catch-all rule, or repeating an earlier match (Istio's analyzeUnreachableHTTPRules).
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import type { HTTPMatchRequest, HTTPRoute } from './types.ts';

const ruleName = (r: HTTPRoute, i: number): string => (r.name ? `"${r.name}"` : `#${i}`);

/** A match block's identity for duplicate detection: its conditions, without its name, keys sorted. */
function matchKey(m: HTTPMatchRequest): string {
  const { name: _name, ...rest } = m;
  return JSON.stringify(rest, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v);
}

export function warnUnreachableRules(routes: readonly HTTPRoute[], path: FieldPath, report: Reporter): void {
  const seen = new Map<string, number>();
  let catchAll = -1;
  routes.forEach((route, i) => {
    const matches = route.match ?? [];
    if (matches.length === 0) {
      if (catchAll >= 0) report.warning([...path, i], `virtualService rule ${ruleName(route, i)} not used (only the last rule can have no matches; rule ${ruleName(routes[catchAll]!, catchAll)} already matches everything)`);
      else catchAll = i;
      return;
    }
    if (catchAll >= 0) {
      report.warning([...path, i], `virtualService rule ${ruleName(route, i)} not used (route without matches defined before, at rule ${ruleName(routes[catchAll]!, catchAll)})`);
      return;
    }
    let duplicates = 0;
    matches.forEach((m, j) => {
      const key = matchKey(m);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        duplicates++;
        report.warning([...path, i, 'match', j], `virtualService rule ${ruleName(route, i)} match #${j} is not used (duplicate match in rule ${ruleName(routes[earlier]!, earlier)})`);
      } else seen.set(key, i);
    });
    if (duplicates === matches.length && duplicates > 1) report.warning([...path, i], `virtualService rule ${ruleName(route, i)} not used (all matches used by prior rules)`);
  });
}
