// Field status: for every field of every kind, enforced / accepted / rejected; and the warnings that say so for a resource.
import type { z } from 'zod';
import type { FieldIssue } from './field-issue.ts';
import { ANY_INDEX, ANY_KEY, formatPattern, parsePattern, type FieldPath, type PatternSegment } from './field-path.ts';
import type { FieldRule, FieldStatus, KindDefinition } from './kinds/kind.ts';
import type { LoadedResource } from './load.ts';
import { IssueCollector } from './reporter.ts';
import { resourceKey } from './resource.ts';
import { leafPatterns, nodeOf, type SchemaNode } from './schema/walk.ts';

export type { FieldStatus } from './kinds/kind.ts';

const ACCEPTED: FieldRule = { status: 'accepted' };

/** Every leaf field of the kind's spec as a pattern ("spec.http[].retries.attempts"), in schema order. */
export function fieldPatterns(def: KindDefinition): string[] {
  return leafPatterns(def.spec, ['spec']);
}

/** The rule that governs `pattern`: its own, or that of its nearest listed ancestor; else accepted. */
export function ruleFor(def: KindDefinition, pattern: string): FieldRule {
  const segs = parsePattern(pattern);
  for (let n = segs.length; n > 0; n--) {
    const rule = def.fields[formatPattern(segs.slice(0, n))];
    if (rule !== undefined) return rule;
  }
  return ACCEPTED;
}

export function fieldStatus(def: KindDefinition, pattern: string): FieldStatus {
  return ruleFor(def, pattern).status;
}

/** Status of every leaf field of the kind, in schema order. */
export function fieldStatusTable(def: KindDefinition): ReadonlyMap<string, FieldStatus> {
  return new Map(fieldPatterns(def).map((p) => [p, fieldStatus(def, p)]));
}

/** Rule keys of a kind that name no field of its schema (a typo there would silently change nothing). */
export function unknownRulePatterns(def: KindDefinition): string[] {
  const known = new Set<string>();
  for (const leaf of fieldPatterns(def)) {
    const segs = parsePattern(leaf);
    for (let n = 1; n <= segs.length; n++) known.add(formatPattern(segs.slice(0, n)));
  }
  return Object.keys(def.fields).filter((p) => !known.has(p));
}

/** Per kind: the patterns with an enforced field at or under them. */
const enforcedCache = new WeakMap<KindDefinition, ReadonlySet<string>>();
function holdsEnforced(def: KindDefinition): ReadonlySet<string> {
  let out = enforcedCache.get(def);
  if (out === undefined) {
    const set = new Set<string>();
    for (const leaf of fieldPatterns(def)) {
      if (fieldStatus(def, leaf) !== 'enforced') continue;
      const segs = parsePattern(leaf);
      for (let n = 1; n <= segs.length; n++) set.add(formatPattern(segs.slice(0, n)));
    }
    out = set;
    enforcedCache.set(def, out);
  }
  return out;
}

interface Finding {
  readonly severity: 'error' | 'warning';
  readonly pattern: string;
  readonly path: FieldPath;
  readonly message: string;
}

/** A subtree is "plain" when every field set in it is accepted without qualification: one warning can cover it. */
type Visit = { readonly plain: true } | { readonly plain: false; readonly findings: readonly Finding[] };
const PLAIN: Visit = { plain: true };

/**
 * What Weft does with the fields a resource sets: a warning for each field that is accepted but
 * not yet enforced, an error for each rejected one. A subtree in which every set field is merely
 * accepted draws one warning at its top ("spec.http[0].retries (attempts, perTryTimeout)"), and a
 * pattern set in many places (every route) is reported once per resource, at its first place,
 * with the count of the others.
 */
export function checkFieldStatus(loaded: LoadedResource): { readonly errors: readonly FieldIssue[]; readonly warnings: readonly FieldIssue[] } {
  const { resource, origin, definition: def } = loaded;

  const acceptedWarning = (value: unknown, node: SchemaNode, pattern: string, path: FieldPath, segs: readonly PatternSegment[]): Finding => {
    const set = node.kind === 'leaf' ? [] : setFields(value);
    const fields = set.length === 0 ? '' : ` (${set.join(', ')})`;
    const note = ruleFor(def, pattern).note;
    const why = note === undefined ? 'it is validated and stored, but does not change traffic yet' : note;
    return { severity: 'warning', pattern, path, message: `${fieldName(segs)}${fields} is accepted but not yet enforced by Weft: ${why}` };
  };

  const visit = (value: unknown, schema: z.ZodType, path: FieldPath, segs: readonly PatternSegment[], depth: number): Visit => {
    const pattern = formatPattern(segs);
    const node = nodeOf(schema);
    const rule = ruleFor(def, pattern);
    if (node.kind === 'leaf' || depth > 32) {
      const why = rule.note === undefined ? '' : ` (${rule.note})`;
      if (rule.status === 'rejected') return { plain: false, findings: [{ severity: 'error', pattern, path, message: `${fieldName(segs)} is not supported by Weft${why}` }] };
      if (rule.enforcedWhen !== undefined) {
        if (rule.enforcedWhen(value)) return { plain: false, findings: [] };
        return { plain: false, findings: [{ severity: 'warning', pattern, path, message: `${fieldName(segs)}: ${JSON.stringify(value)} is accepted but not yet enforced by Weft${why}` }] };
      }
      return rule.status === 'accepted' ? PLAIN : { plain: false, findings: [] };
    }
    // A rejected structure is one error at its top ("routeConfiguration is not supported"), not one per leaf set in it.
    if (def.fields[pattern]?.status === 'rejected') {
      const why = rule.note === undefined ? '' : ` (${rule.note})`;
      return { plain: false, findings: [{ severity: 'error', pattern, path, message: `${fieldName(segs)} is not supported by Weft${why}` }] };
    }
    const children: { value: unknown; visit: Visit; schema: z.ZodType; path: FieldPath; segs: readonly PatternSegment[] }[] = [];
    const child = (v: unknown, s: z.ZodType, p: FieldPath, g: readonly PatternSegment[]): void => {
      if (v !== undefined) children.push({ value: v, visit: visit(v, s, p, g, depth + 1), schema: s, path: p, segs: g });
    };
    if (node.kind === 'object' && isObject(value)) {
      for (const [k, s] of Object.entries(node.shape)) child(value[k], s, [...path, k], [...segs, k]);
    } else if (node.kind === 'array' && Array.isArray(value)) {
      value.forEach((item, i) => child(item, node.element, [...path, i], [...segs, ANY_INDEX]));
    } else if (node.kind === 'record' && isObject(value)) {
      for (const [k, item] of Object.entries(value)) child(item, node.value, [...path, k], [...segs, ANY_KEY]);
    }
    if (children.length === 0) return rule.status === 'accepted' && rule.enforcedWhen === undefined ? PLAIN : { plain: false, findings: [] };
    // A field that holds enforced fields (trafficPolicy, an HTTP route) is never summed up as
    // "accepted": its accepted children are named one by one (connectionPool, timeout).
    if (children.every((c) => c.visit.plain) && !holdsEnforced(def).has(pattern)) return PLAIN;
    const findings: Finding[] = [];
    for (const c of children) {
      if (c.visit.plain) findings.push(acceptedWarning(c.value, nodeOf(c.schema), formatPattern(c.segs), c.path, c.segs));
      else findings.push(...c.visit.findings);
    }
    return { plain: false, findings };
  };

  const root = visit(resource.spec, def.spec, ['spec'], ['spec'], 0);
  const findings = root.plain ? [] : root.findings;

  // One issue per pattern and severity, at its first place.
  const counted = new Map<string, { finding: Finding; count: number }>();
  for (const f of findings) {
    const key = `${f.severity} ${f.pattern}`;
    const seen = counted.get(key);
    if (seen) seen.count++;
    else counted.set(key, { finding: f, count: 1 });
  }
  const out = new IssueCollector();
  const report = out.reporter(origin, resourceKey(resource));
  for (const { finding: f, count } of counted.values()) {
    const more = count > 1 ? ` (set in ${count - 1} more place${count > 2 ? 's' : ''} of this resource too)` : '';
    if (f.severity === 'error') report.error(f.path, f.message + more);
    else report.warning(f.path, f.message + more);
  }
  return { errors: out.errors, warnings: out.warnings };
}

/** "retries", or for a list item "route" (the list's name). */
function fieldName(segs: readonly PatternSegment[]): string {
  const named = segs.filter((s) => s !== ANY_INDEX && s !== ANY_KEY);
  return named[named.length - 1] ?? 'spec';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields set in a value (for a list, in any of its items), for the warning's summary. */
function setFields(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  const keys = new Set<string>();
  for (const item of items) if (isObject(item)) for (const k of Object.keys(item)) keys.add(k);
  return [...keys];
}
