// Turns zod's findings into messages a user of Istio YAML understands, with "did you mean" for misspelt fields.
import type { z } from 'zod';
import type { FieldPath } from '../field-path.ts';
import { fieldNamesAt, schemaAt, unwrap } from './walk.ts';

export interface SchemaFinding {
  readonly path: FieldPath;
  readonly message: string;
}

/** Findings for the issues of `schema.safeParse(data, { reportInput: true })`. */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (issue.code === 'unrecognized_keys') {
      const allowed = fieldNamesAt(schema, path);
      for (const key of issue.keys) out.push({ path: [...path, key], message: unknownField(key, allowed) });
    } else {
      out.push({ path, message: describe(issue, isIntegerSchema(schemaAt(schema, path))) });
    }
  }
  return out;
}

function unknownField(key: string, allowed: readonly string[]): string {
  const guess = closest(key, allowed);
  const hint = guess === undefined ? '' : ` (did you mean "${guess}"?)`;
  const list = allowed.length > 0 && allowed.length <= 12 ? `; allowed here: ${allowed.join(', ')}` : '';
  return `unknown field "${key}"${hint}${list}`;
}

/** z.int() reports a string input as "expected number"; the schema knows it wanted an integer. */
function isIntegerSchema(s: z.ZodType | undefined): boolean {
  if (s === undefined) return false;
  const def = (unwrap(s) as unknown as { _zod: { def: { type: string; format?: string } } })._zod.def;
  return def.type === 'number' && (def.format === 'safeint' || def.format === 'int32' || def.format === 'uint32');
}

function describe(issue: z.core.$ZodIssue, integer: boolean): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'required field is missing';
      return `expected ${integer ? 'an integer' : typeName(issue.expected)}, got ${valueName(input)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}; got ${valueName(input)}`;
    case 'too_small':
      return `must be ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}; got ${valueName(input)}`;
    case 'too_big':
      return `must be ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}; got ${valueName(input)}`;
    default:
      return issue.message;
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case 'int': return 'an integer';
    case 'number': return 'a number';
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'object':
    case 'record': return 'a mapping';
    case 'array': return 'a list';
    default: return expected;
  }
}

/** How a YAML value reads back to its author. */
export function valueName(v: unknown): string {
  if (v === null) return 'null (an empty value)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}` : `the fraction ${v}`;
  return String(v);
}

/** The allowed name nearest to `key` by edit distance, if it is near enough to be a typo. */
export function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const name of allowed) {
    const d = editDistance(lower, name.toLowerCase());
    if (d < bestDistance) { best = name; bestDistance = d; }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(key.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
