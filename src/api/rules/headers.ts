// Header names, values and header operations (set / add / remove) as Istio validates them.
import type { Headers, HeaderOperations } from '../kinds/virtual-service/types.ts';
import type { FieldPath } from '../field-path.ts';
import type { Reporter } from '../reporter.ts';

/** RFC 7230 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':status']);
/** Control characters other than tab are not allowed in header values (protoc-gen-validate's rule). */
// eslint-disable-next-line no-control-regex
const BAD_VALUE_CHAR = /[\u0000-\u0008\u000A-\u001F\u007F]/;
/** Envoy's %COMMAND% substitutions: a lone "%" must be written "%%". */
const PERCENT_TOKEN = /%%|%[A-Z_][A-Z0-9_]*(\([^)]*\))?(:\d+)?%/g;

/** A matchable header name: a token, a pseudo-header, or an @request.auth.claims routing claim. */
export function headerNameError(name: string): string | null {
  if (name === '') return 'header name cannot be empty';
  if (isJwtClaimRoute(name) || PSEUDO.has(name) || TOKEN.test(name)) return null;
  return `header name ${name} is not a valid header name`;
}

export function isJwtClaimRoute(name: string): boolean {
  return name.startsWith('@request.auth.claims.') || name.startsWith('@request.auth.claims[');
}

export function headerValueError(value: string): string | null {
  if (BAD_VALUE_CHAR.test(value)) return `header value ${JSON.stringify(value)} has a control character`;
  if (value.replace(PERCENT_TOKEN, '').includes('%')) return `header value ${JSON.stringify(value)}: a literal "%" must be written "%%"`;
  return null;
}

const isInternal = (name: string): boolean => name.startsWith(':') || name.toLowerCase() === 'host';
const isAuthority = (name: string): boolean => name.toLowerCase() === ':authority' || name.toLowerCase() === 'host';

/** Request set/add may name the authority (Host); remove, and every response operation, may not touch internal headers. */
function operationNameError(name: string, allowAuthority: boolean): string | null {
  if (name === '') return 'header name cannot be empty';
  if (allowAuthority && isAuthority(name)) return null;
  if (name.toLowerCase() === 'host') return `invalid header "${name}": cannot set Host header`;
  if (isInternal(name)) return `invalid header "${name}": header cannot have ":" prefix`;
  return null;
}

function validateOperations(ops: HeaderOperations | undefined, request: boolean, path: FieldPath, report: Reporter): void {
  if (ops === undefined) return;
  for (const op of ['set', 'add'] as const) {
    for (const [name, value] of Object.entries(ops[op] ?? {})) {
      const err = operationNameError(name, request) ?? headerValueError(value);
      if (err !== null) report.error([...path, op, name], err);
    }
  }
  (ops.remove ?? []).forEach((name, i) => {
    const err = operationNameError(name, false);
    if (err !== null) report.error([...path, 'remove', i], err);
  });
}

export function validateHeaderOperations(headers: Headers | undefined, path: FieldPath, report: Reporter): void {
  validateOperations(headers?.request, true, [...path, 'request'], report);
  validateOperations(headers?.response, false, [...path, 'response'], report);
}

/** The authority values a route's request header operations set (for the "set only once" rule). */
export function authorityOverrides(headers: Headers | undefined): string[] {
  const out: string[] = [];
  for (const op of [headers?.request?.set, headers?.request?.add]) {
    for (const [name, value] of Object.entries(op ?? {})) if (isAuthority(name)) out.push(value);
  }
  return out;
}
