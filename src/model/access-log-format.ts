// Envoy's access-log format strings (`[%START_TIME%] "%REQ(:METHOD)% …"`): the command operators Weft supports, parsed once into parts, so the compiler can reject a bad string and the sidecar can run a good one.

/**
 * Envoy's default format string (its "Default Format String"), used for the text format when no
 * other string is given. Envoy writes no newline of its own: the string carries it.
 */
export const ENVOY_DEFAULT_TEXT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" '
  + '%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% '
  + '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" '
  + '"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/**
 * The argument-less operators Weft fills in. Those Weft has no value for yet print "-", as Envoy
 * prints an unset value, so Istio's own default format (which names them) works verbatim.
 */
export const SIMPLE_OPERATORS = [
  'START_TIME',
  'PROTOCOL',
  'RESPONSE_CODE',
  'RESPONSE_FLAGS',
  'RESPONSE_CODE_DETAILS',
  'BYTES_RECEIVED',
  'BYTES_SENT',
  'DURATION',
  'UPSTREAM_HOST',
  'UPSTREAM_CLUSTER',
  'UPSTREAM_CLUSTER_RAW',
  'UPSTREAM_LOCAL_ADDRESS',
  'DOWNSTREAM_LOCAL_ADDRESS',
  'DOWNSTREAM_REMOTE_ADDRESS',
  'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_PEER_URI_SAN',
  'ROUTE_NAME',
  'REQUESTED_SERVER_NAME',
  'CONNECTION_TERMINATION_DETAILS',
  'UPSTREAM_TRANSPORT_FAILURE_REASON',
] as const;
export type SimpleOperator = (typeof SIMPLE_OPERATORS)[number];

export type FormatPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'op'; readonly op: SimpleOperator }
  /**
   * %REQ(X?Y):Z% / %RESP(X?Y):Z%: header X (lower-case), else Y, cut to Z characters. The request
   * pseudo-headers :method, :path, :authority and :scheme read the request line.
   */
  | { readonly kind: 'req' | 'resp'; readonly header: string; readonly alt: string | null; readonly maxLength: number | null };

/** Longest format string accepted (a log line is built from it per request). */
export const MAX_TEXT_FORMAT_LENGTH = 4096;

const SIMPLE = new Set<string>(SIMPLE_OPERATORS);
const HEADER_NAME = /^:?[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** Parses a format string; `error` says what is wrong and where (0-based offset) when it cannot be used. */
export function parseAccessLogFormat(format: string): { readonly parts: readonly FormatPart[] } | { readonly error: string } {
  if (format.length > MAX_TEXT_FORMAT_LENGTH) return { error: `the format string is ${format.length} characters long, above the limit of ${MAX_TEXT_FORMAT_LENGTH}` };
  const parts: FormatPart[] = [];
  let text = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '%') {
      text += c;
      i++;
      continue;
    }
    const end = format.indexOf('%', i + 1);
    if (end < 0) return { error: `at offset ${i}: unterminated command operator (a "%" opens one and another closes it; a literal "%" cannot be written)` };
    const body = format.slice(i + 1, end);
    const part = operator(body);
    if (typeof part === 'string') return { error: `at offset ${i}: ${part}` };
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
    parts.push(part);
    i = end + 1;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { parts };
}

function operator(body: string): FormatPart | string {
  if (SIMPLE.has(body)) return { kind: 'op', op: body as SimpleOperator };
  const m = /^(REQ|RESP)\(([^()]*)\)(?::(\d+))?$/.exec(body);
  if (m === null) {
    if (body.startsWith('START_TIME(')) return 'START_TIME with a strftime format is not supported (use %START_TIME%, RFC 3339 in UTC)';
    return body === '' ? 'empty command operator "%%"' : `unknown command operator %${body}%; supported: ${SIMPLE_OPERATORS.join(', ')}, REQ(…), RESP(…)`;
  }
  const [names, maxLength] = [m[2]!.toLowerCase(), m[3]];
  const q = names.indexOf('?');
  const header = q < 0 ? names : names.slice(0, q);
  const alt = q < 0 ? null : names.slice(q + 1);
  for (const h of alt === null ? [header] : [header, alt]) {
    if (!HEADER_NAME.test(h)) return `%${m[1]!}(${m[2]!})% names an invalid header "${h}"`;
  }
  const n = maxLength === undefined ? null : Number(maxLength);
  if (n !== null && (n < 1 || n > 65_535)) return `%${body}%: the length limit must be 1–65535`;
  return { kind: m[1] === 'REQ' ? 'req' : 'resp', header, alt, maxLength: n };
}
