// Field paths: where a value sits inside a document (["spec","http",0]) and how paths and path patterns are written.

/** Keys and indices from the document root to a value. */
export type FieldPath = readonly (string | number)[];

/**
 * A pattern segment: a field name, ANY_INDEX for "every element of a list" or ANY_KEY for "every
 * entry of a map". Patterns name fields independently of the data: "spec.http[].match[].headers.*.exact".
 */
export type PatternSegment = string;
export const ANY_INDEX = '[]';
export const ANY_KEY = '*';

const PLAIN_KEY = /^[A-Za-z0-9_$@-]+$/;

/** "spec.http[0].route[1].weight"; map keys that are not plain words are quoted: headers[":authority"]. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** "spec.http[].match[].headers.*.exact". */
export function formatPattern(segments: readonly PatternSegment[]): string {
  let out = '';
  for (const seg of segments) {
    if (seg === ANY_INDEX) out += ANY_INDEX;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Splits a pattern written by formatPattern back into segments. */
export function parsePattern(pattern: string): PatternSegment[] {
  const out: PatternSegment[] = [];
  for (const part of pattern.split('.')) {
    let name = part;
    let indices = 0;
    while (name.endsWith(ANY_INDEX)) { name = name.slice(0, -ANY_INDEX.length); indices++; }
    if (name !== '') out.push(name);
    for (let i = 0; i < indices; i++) out.push(ANY_INDEX);
  }
  return out;
}
