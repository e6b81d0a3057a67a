// Reads the structure of a zod schema: which fields an object allows, and every leaf field as a path pattern.
import type { z } from 'zod';
import { ANY_INDEX, ANY_KEY, formatPattern, type FieldPath, type PatternSegment } from '../field-path.ts';

/** The part of zod's internal definition that describes structure (zod v4 `_zod.def`). */
interface SchemaDef {
  readonly type: string;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The schema under optional/nullable/default wrappers and pipes. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let cur = schema;
  for (let depth = 0; depth < 16; depth++) {
    const def = defOf(cur);
    if (WRAPPERS.has(def.type) && def.innerType) cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else break;
  }
  return cur;
}

export type SchemaNode =
  | { readonly kind: 'object'; readonly shape: Readonly<Record<string, z.ZodType>> }
  | { readonly kind: 'array'; readonly element: z.ZodType }
  | { readonly kind: 'record'; readonly value: z.ZodType }
  | { readonly kind: 'leaf' };

/**
 * Classifies a schema. Lists and maps of scalars are leaves (a field is "hosts", not "hosts[]"),
 * and so are maps of scalars ("labels"); lists and maps of objects are walked into.
 */
export function nodeOf(schema: z.ZodType): SchemaNode {
  const s = unwrap(schema);
  const def = defOf(s);
  if (def.type === 'object' && def.shape) return { kind: 'object', shape: def.shape };
  if (def.type === 'array' && def.element) return isStructured(def.element) ? { kind: 'array', element: def.element } : { kind: 'leaf' };
  if (def.type === 'record' && def.valueType) return isStructured(def.valueType) ? { kind: 'record', value: def.valueType } : { kind: 'leaf' };
  return { kind: 'leaf' };
}

function isStructured(schema: z.ZodType): boolean {
  const t = defOf(unwrap(schema)).type;
  return t === 'object' || t === 'array' || t === 'record';
}

/** Every leaf field of `schema` as a pattern ("spec.http[].match[].headers.*.exact"), in schema order. */
export function leafPatterns(schema: z.ZodType, prefix: readonly PatternSegment[] = []): string[] {
  const out: string[] = [];
  const walk = (s: z.ZodType, at: readonly PatternSegment[], depth: number): void => {
    if (depth > 32) throw new Error(`schema nests deeper than 32 levels at ${formatPattern(at)}`);
    const node = nodeOf(s);
    if (node.kind === 'object') for (const [k, v] of Object.entries(node.shape)) walk(v, [...at, k], depth + 1);
    else if (node.kind === 'array') walk(node.element, [...at, ANY_INDEX], depth + 1);
    else if (node.kind === 'record') walk(node.value, [...at, ANY_KEY], depth + 1);
    else out.push(formatPattern(at));
  };
  walk(schema, prefix, 0);
  return out;
}

/** The schema that describes the value at `path` (indices and map keys are stepped over), or undefined. */
export function schemaAt(schema: z.ZodType, path: FieldPath): z.ZodType | undefined {
  let cur: z.ZodType | undefined = schema;
  for (const seg of path) {
    if (cur === undefined) return undefined;
    const def = defOf(unwrap(cur));
    if (def.type === 'object' && def.shape && typeof seg === 'string') cur = def.shape[seg];
    else if (def.type === 'array' && typeof seg === 'number') cur = def.element;
    else if (def.type === 'record') cur = def.valueType;
    else return undefined;
  }
  return cur;
}

/** The field names an object schema at `path` allows, or [] when it is not an object. */
export function fieldNamesAt(schema: z.ZodType, path: FieldPath): string[] {
  const s = schemaAt(schema, path);
  if (s === undefined) return [];
  const node = nodeOf(s);
  return node.kind === 'object' ? Object.keys(node.shape) : [];
}
