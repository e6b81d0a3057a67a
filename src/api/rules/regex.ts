// Checks that a pattern is RE2 as Istio (and Envoy's safe_regex) accept it, using JavaScript's engine to compile it.

/** Envoy's program-size limit, approximated by length as Istio does. */
const MAX_REGEX_LENGTH = 1024;

/** Constructs JavaScript accepts but RE2 rejects: configs must stay valid for Istio as well. */
const NOT_RE2: readonly (readonly [RegExp, string])[] = [
  [/\(\?<?[=!]/, 'lookahead and lookbehind are not RE2'],
  [/\\[1-9]|\\k</, 'backreferences are not RE2'],
];

/** RE2's POSIX classes, which JavaScript would read as ordinary bracket contents. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/**
 * RE2 syntax that JavaScript spells differently, rewritten so that JavaScript can compile it with
 * the same meaning: `(?P<name>` named groups, `\A` / `\z` anchors, `\Q…\E` literals, POSIX
 * classes (`[[:alpha:]]`) and leading `(?flags)`. Throws on a POSIX class RE2 does not have.
 */
export function re2ToJs(re: string): { source: string; flags: string } {
  let source = re.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
  source = source.replace(/\[:(\^?)([a-z]+):\]/g, (_m, neg: string, name: string) => {
    const cls = POSIX_CLASSES[name];
    if (cls === undefined) throw new SyntaxError(`invalid character class range: [:${name}:]`);
    if (neg !== '') throw new SyntaxError(`negated POSIX class [:^${name}:] is not supported by Weft yet`);
    return cls;
  });
  source = source.replace(/\\Q(.*?)(\\E|$)/g, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    if (lead[1]!.includes('U')) throw new SyntaxError('the ungreedy flag (?U) is not supported by Weft yet');
    flags = [...new Set(lead[1])].join('');
    source = source.slice(lead[0].length);
  }
  return { source, flags };
}

/** Why `re` is not a usable RE2 pattern, or null. `where` names the field for the message. */
export function regexError(re: string, where: string): string | null {
  if (re === '') return `"${where}": regex string match should not be empty`;
  if (re.length > MAX_REGEX_LENGTH) return `"${where}": regex is too large, max length allowed is ${MAX_REGEX_LENGTH}`;
  for (const [pattern, why] of NOT_RE2) if (pattern.test(re)) return `"${where}": ${why}; Istio uses RE2 syntax (https://github.com/google/re2/wiki/Syntax)`;
  try {
    const { source, flags } = re2ToJs(re);
    new RegExp(source, flags);
    return null;
  } catch (err) {
    return `"${where}": ${(err as Error).message}; Istio uses RE2 syntax (https://github.com/google/re2/wiki/Syntax)`;
  }
}
