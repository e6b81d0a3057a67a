/**
 * jsonString: a string as a JSON string literal, for JSON written by hand on the request path
 * (access log lines, span batches). Most values need no escaping (no quote, backslash or control
 * character); those are quoted directly, the rest go through JSON.stringify. Characters above
 * U+007F are legal in JSON text as they are; a lone surrogate (which header and path text, decoded
 * as latin1, never holds) would come out as U+FFFD when the text is encoded to UTF-8.
 */
// The control characters are the point: JSON requires them escaped.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}
