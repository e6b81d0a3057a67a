// Finds where a field path sits in parsed YAML, so that every finding can name its line and column.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { FieldPath } from './field-path.ts';

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** Position of `path` in the document; see locate(). */
export type Locator = (path: FieldPath) => SourcePosition;

const MAX_ALIAS_HOPS = 16;

/**
 * Returns a locator for one YAML document. A path that exists points at its map key (for a field)
 * or at the list item (for an index); a path that does not exist (a required field left out)
 * points at its nearest ancestor that does, which is where the user has to add it.
 */
export function yamlLocator(doc: Document, lineCounter: LineCounter): Locator {
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const start = (node: unknown): number | undefined => (node as { range?: [number, number, number] } | null)?.range?.[0];
  const resolve = (node: unknown): unknown => {
    let cur = node;
    for (let hops = 0; hops < MAX_ALIAS_HOPS && isAlias(cur); hops++) cur = cur.resolve(doc);
    return cur;
  };

  return (path) => {
    let node: unknown = doc.contents;
    let best = start(node) ?? 0;
    for (const seg of path) {
      node = resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair === undefined) break;
        best = start(pair.key) ?? best;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        best = start(item) ?? best;
        node = item;
      } else {
        break;
      }
    }
    return at(best);
  };
}
