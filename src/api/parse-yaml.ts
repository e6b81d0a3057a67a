// Splits YAML sources into the documents they hold: "---" separated, empty ones skipped, `kind: List` unpacked.
import { isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { FieldIssue, SourceText } from './field-issue.ts';
import { formatPath, type FieldPath } from './field-path.ts';
import { yamlLocator, type Locator, type SourcePosition } from './source-map.ts';

/** Where a resource came from: enough to put any of its fields on a line. */
export interface ResourceOrigin {
  readonly file: string;
  /** Position of the resource's first line (a document, or an item of a List). */
  readonly line: number;
  readonly column: number;
  /** Path of the resource inside its YAML document: [] or ["items", i] for a List item. */
  readonly basePath: FieldPath;
  /** Position of a path relative to the resource ("spec.http[0]"), or of its nearest existing ancestor. */
  locate(path: FieldPath): SourcePosition;
}

/** One would-be resource as plain data, not yet checked. */
export interface RawDocument {
  readonly value: unknown;
  readonly origin: ResourceOrigin;
}

export interface ParseResult {
  readonly documents: readonly RawDocument[];
  readonly errors: readonly FieldIssue[];
  readonly warnings: readonly FieldIssue[];
}

/** Aliases may not expand a document beyond this many nodes (a "billion laughs" guard). */
const MAX_ALIAS_COUNT = 100;

export function parseSources(sources: readonly SourceText[]): ParseResult {
  const documents: RawDocument[] = [];
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  for (const source of sources) {
    const lineCounter = new LineCounter();
    const parsed = parseAllDocuments(source.text, { lineCounter, prettyErrors: false });
    const docs = Array.isArray(parsed) ? parsed : [];
    for (const doc of docs) {
      const issueAt = (offset: number, message: string): FieldIssue => {
        const { line, col } = lineCounter.linePos(offset);
        return { file: source.name, line, column: col, path: '', message };
      };
      for (const w of doc.warnings) warnings.push(issueAt(w.pos[0], `YAML: ${w.message}`));
      if (doc.errors.length > 0) {
        for (const e of doc.errors) errors.push(issueAt(e.pos[0], `malformed YAML: ${e.message}`));
        continue;
      }
      if (isEmpty(doc)) continue;
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (err) {
        errors.push(issueAt(doc.range[0], `malformed YAML: ${(err as Error).message}`));
        continue;
      }
      const locate = yamlLocator(doc, lineCounter);
      unpack(value, source.name, locate, documents, errors);
    }
  }
  return { documents, errors, warnings };
}

function isEmpty(doc: Document): boolean {
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}

function originOf(file: string, locate: Locator, basePath: FieldPath): ResourceOrigin {
  const { line, column } = locate(basePath);
  return { file, line, column, basePath, locate: (path) => locate([...basePath, ...path]) };
}

const LIST_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'items']);

/** A `kind: List` (as `kubectl get -o yaml` writes) becomes one document per item. */
function unpack(value: unknown, file: string, locate: Locator, out: RawDocument[], errors: FieldIssue[]): void {
  if (!isRecord(value) || value['kind'] !== 'List') {
    out.push({ value, origin: originOf(file, locate, []) });
    return;
  }
  const fail = (path: FieldPath, message: string): void => {
    const { line, column } = locate(path);
    errors.push({ file, line, column, path: formatPath(path), message });
  };
  for (const key of Object.keys(value)) if (!LIST_KEYS.has(key)) fail([key], `unknown field "${key}" in a List (allowed: apiVersion, kind, metadata, items)`);
  if (value['apiVersion'] !== undefined && value['apiVersion'] !== 'v1') fail(['apiVersion'], `a List has apiVersion "v1", not ${JSON.stringify(value['apiVersion'])}`);
  const items = value['items'];
  if (!Array.isArray(items)) {
    fail(['items'], 'a List needs "items": a list of resources');
    return;
  }
  items.forEach((item, i) => out.push({ value: item, origin: originOf(file, locate, ['items', i]) }));
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
