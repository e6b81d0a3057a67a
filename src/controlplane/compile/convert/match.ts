// Converts Istio's HTTPMatchRequest (uri, method, authority, scheme, headers, queryParams) into a ProxyConfig RouteMatch.
import type { HTTPMatchRequest, StringMatch as IstioStringMatch } from '../../../api/kinds/virtual-service/types.ts';
import type { HeaderMatch, QueryParamMatch, RouteMatch, StringMatch } from '../../../model/proxy-config.ts';
import { re2ToJs } from '../../../api/rules/regex.ts';
import { compareStrings } from '../labels.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The request-matching part of one match block (AND across the fields present). The block's
 * proxy-side conditions (port, sourceLabels, sourceNamespace, gateways) are settled earlier, at
 * compile time, by match-scope.ts; they never reach the proxy.
 */
export function convertMatch(m: HTTPMatchRequest): RouteMatch {
  const out: Partial<Mutable<RouteMatch>> = {};
  const uri = m.uri && convertStringMatch(m.uri);
  if (uri) out.uri = uri;
  const method = m.method && convertStringMatch(m.method);
  if (method) out.method = method;
  const authority = m.authority && convertStringMatch(m.authority);
  if (authority) out.authority = authority;
  const scheme = m.scheme && convertStringMatch(m.scheme);
  if (scheme) out.scheme = scheme;
  const headers = [...convertHeaders(m.headers, false), ...convertHeaders(m.withoutHeaders, true)];
  if (headers.length > 0) out.headers = headers.sort((a, b) => compareStrings(a.name, b.name) || Number(a.invert) - Number(b.invert));
  const queryParams = convertQueryParams(m.queryParams);
  if (queryParams.length > 0) out.queryParams = queryParams;
  if (m.ignoreUriCase === true) out.ignoreUriCase = true;
  return out;
}

/**
 * Istio's StringMatch oneof. An empty `{}` (no exact, prefix or regex) constrains nothing and yields
 * undefined: on uri/method/authority/scheme the field is simply absent from the RouteMatch.
 */
export function convertStringMatch(m: IstioStringMatch): StringMatch | undefined {
  if (m.exact !== undefined) return { kind: 'exact', value: m.exact };
  if (m.prefix !== undefined) return { kind: 'prefix', value: m.prefix };
  if (m.regex !== undefined) return { kind: 'regex', value: jsRegex(m.regex) };
  return undefined;
}

/**
 * The proxy compiles regexes with JavaScript's engine; Istio's are RE2. re2ToJs rewrites the RE2
 * spellings JavaScript reads differently (POSIX classes, `(?P<`, `\A`, `\Q…\E`), and leading
 * flags become a scoped modifier group (`(?i:…)`, ES2025), so the proxy sees the same language.
 * Validation has already rejected what cannot be translated; such a pattern passes through as is.
 */
function jsRegex(re2: string): string {
  try {
    const { source, flags } = re2ToJs(re2);
    return flags === '' ? source : `(?${flags}:${source})`;
  } catch {
    return re2;
  }
}

/**
 * On a header or query parameter, `{}` and `prefix: ""` both mean "present with any value" (Istio's
 * catch-all StringMatch becomes Envoy's present_match); header names are case-insensitive, so lower-cased.
 */
function convertHeaders(headers: Readonly<Record<string, IstioStringMatch>> | undefined, invert: boolean): HeaderMatch[] {
  return Object.entries(headers ?? {}).map(([name, m]) => ({ name: name.toLowerCase(), match: presenceOr(m), invert }));
}

function convertQueryParams(params: Readonly<Record<string, IstioStringMatch>> | undefined): QueryParamMatch[] {
  return Object.entries(params ?? {})
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([name, m]) => ({ name, match: presenceOr(m) }));
}

function presenceOr(m: IstioStringMatch): StringMatch {
  if (m.prefix === '') return { kind: 'present' };
  return convertStringMatch(m) ?? { kind: 'present' };
}
