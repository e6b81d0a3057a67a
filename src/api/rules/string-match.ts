// StringMatch (exact / prefix / regex) as Istio checks it on each field that takes one.
import type { StringMatch } from '../kinds/virtual-service/types.ts';
import type { FieldPath } from '../field-path.ts';
import type { Reporter } from '../reporter.ts';
import { regexError } from './regex.ts';

/**
 * Which field the match sits on. An empty match `{}` means "present" on headers, query parameters
 * and withoutHeaders; elsewhere exactly one of exact, prefix and regex is required. An empty prefix
 * is allowed only on uri (Envoy accepts prefix "" for paths, not for other strings).
 */
export type MatchField = 'uri' | 'scheme' | 'method' | 'authority' | 'headers' | 'queryParams' | 'withoutHeaders' | 'allowOrigins';

const PRESENCE_ALLOWED: ReadonlySet<MatchField> = new Set(['headers', 'queryParams', 'withoutHeaders']);

export function validateStringMatch(sm: StringMatch, field: MatchField, path: FieldPath, report: Reporter): void {
  const set = (['exact', 'prefix', 'regex'] as const).filter((k) => sm[k] !== undefined);
  if (set.length > 1) {
    report.error(path, `only one of exact, prefix or regex may be set (found ${set.join(' and ')})`);
    return;
  }
  if (set.length === 0) {
    if (!PRESENCE_ALLOWED.has(field)) report.error(path, `one of exact, prefix or regex is required (an empty match means "present" only on headers and queryParams)`);
    return;
  }
  if (sm.prefix === '' && field !== 'uri') report.error([...path, 'prefix'], `"${field}": prefix string match should not be empty`);
  if (field === 'allowOrigins' && sm.exact === '') report.error([...path, 'exact'], `'' is not a valid match type for CORS allow origins`);
  // `*` is not a regex on withoutHeaders: Istio translates it to a presence match.
  if (sm.regex !== undefined && !(field === 'withoutHeaders' && sm.regex === '*')) {
    const err = regexError(sm.regex, field);
    if (err !== null) report.error([...path, 'regex'], err);
  }
}
