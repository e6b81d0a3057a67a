// Istio's checks for the policies an HTTP route may carry: retries, fault, mirror, redirect, direct response, rewrite, CORS.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import { checkDuration } from '../../rules/durations.ts';
import { headerNameError } from '../../rules/headers.ts';
import { checkHttpStatus, checkPercent, checkPercentage, checkPort } from '../../rules/numbers.ts';
import { regexError } from '../../rules/regex.ts';
import { validateStringMatch } from '../../rules/string-match.ts';
import { validateDestination } from './destinations.ts';
import type { CorsPolicy, HTTPDirectResponse, HTTPFaultInjection, HTTPRedirect, HTTPRetry, HTTPRewrite, HTTPRoute } from './types.ts';

/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on conditions, as Istio's supportedRetryOnPolicies lists them. */
export const RETRY_ON_CONDITIONS: ReadonlySet<string> = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

/** gRPC status names Istio accepts for abort.grpcStatus. */
const GRPC_STATUSES = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'DATA_LOSS', 'UNAUTHENTICATED',
]);

const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', '*']);

const MB = 1024 * 1024;

export function validateRetries(r: HTTPRetry | undefined, path: FieldPath, report: Reporter): void {
  if (r === undefined) return;
  const attempts = r.attempts ?? 0;
  if (attempts < 0) report.error([...path, 'attempts'], 'attempts cannot be negative');
  if (attempts === 0 && (r.perTryTimeout !== undefined || r.retryOn !== undefined || r.retryRemoteLocalities !== undefined)) {
    report.error([...path, 'attempts'], 'http retry policy configured when attempts are set to 0 (disabled): set attempts, or remove the other retry fields');
  }
  checkDuration(r.perTryTimeout, [...path, 'perTryTimeout'], report);
  checkDuration(r.backoff, [...path, 'backoff'], report);
  if (r.retryOn !== undefined && r.retryOn !== '') {
    for (const raw of r.retryOn.split(',')) {
      const cond = raw.trim();
      const isStatus = /^\d{3}$/.test(cond) && Number(cond) >= 100 && Number(cond) <= 599;
      if (!isStatus && !RETRY_ON_CONDITIONS.has(cond)) {
        report.error([...path, 'retryOn'], `"${cond}" is not a valid retryOn policy: use HTTP status codes or ${[...RETRY_ON_CONDITIONS].join(', ')}`);
      }
    }
  }
}

export function validateFault(f: HTTPFaultInjection | undefined, path: FieldPath, report: Reporter): void {
  if (f === undefined) return;
  if (f.abort === undefined && f.delay === undefined) report.error(path, 'HTTP fault injection must have an abort and/or a delay');
  const abort = f.abort;
  if (abort !== undefined) {
    const at: FieldPath = [...path, 'abort'];
    checkPercentage(abort.percentage?.value, [...at, 'percentage', 'value'], report);
    const kinds = (['httpStatus', 'grpcStatus', 'http2Error'] as const).filter((k) => abort[k] !== undefined);
    if (kinds.length > 1) report.error([...at, kinds[1]!], `only one of httpStatus, grpcStatus or http2Error may be set (found ${kinds.join(' and ')})`);
    if (kinds.length === 0) report.warning(at, 'abort configured, but error type not set');
    checkHttpStatus(abort.httpStatus, [...at, 'httpStatus'], report);
    if (abort.percentage === undefined && kinds.length > 0) {
      report.warning(at, 'abort has no percentage, so it aborts no request (Istio treats an absent percentage as 0%): set percentage.value, e.g. 100 to abort every request');
    }
    if (abort.grpcStatus !== undefined && !GRPC_STATUSES.has(abort.grpcStatus)) {
      report.error([...at, 'grpcStatus'], `gRPC status "${abort.grpcStatus}" is not supported; use a name such as NOT_FOUND or UNAVAILABLE`);
    }
  }
  const delay = f.delay;
  if (delay !== undefined) {
    const at: FieldPath = [...path, 'delay'];
    checkPercentage(delay.percentage?.value, [...at, 'percentage', 'value'], report);
    checkPercent(delay.percent, [...at, 'percent'], report);
    if (delay.fixedDelay !== undefined && delay.exponentialDelay !== undefined) report.error([...at, 'exponentialDelay'], 'only one of fixedDelay or exponentialDelay may be set');
    if (delay.fixedDelay === undefined && delay.exponentialDelay === undefined) report.warning(at, 'delay configured, but fixedDelay not set');
    checkDuration(delay.fixedDelay, [...at, 'fixedDelay'], report);
    checkDuration(delay.exponentialDelay, [...at, 'exponentialDelay'], report);
    if (delay.percentage !== undefined && delay.percent !== undefined) report.error([...at, 'percent'], 'only one of percentage or the deprecated percent may be set');
    if (delay.percentage === undefined && delay.percent === undefined && delay.fixedDelay !== undefined) {
      report.warning(at, 'delay has no percentage, so it delays no request (Istio treats an absent percentage as 0%): set percentage.value, e.g. 100 to delay every request');
    }
  }
}

export function validateMirrors(http: HTTPRoute, path: FieldPath, report: Reporter): void {
  if (http.mirrorPercent !== undefined) {
    if (http.mirrorPercent > 100) report.error([...path, 'mirrorPercent'], `mirror_percent must have a max value of 100 (it has ${http.mirrorPercent})`);
    report.warning([...path, 'mirrorPercent'], 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead');
  }
  const pct = http.mirrorPercentage?.value;
  if (pct !== undefined && (pct < 0 || pct > 100)) report.error([...path, 'mirrorPercentage', 'value'], `mirror_percentage must be in 0..100 (it has ${pct})`);
  validateDestination(http.mirror, [...path, 'mirror'], report);
  (http.mirrors ?? []).forEach((m, i) => {
    validateDestination(m.destination, [...path, 'mirrors', i, 'destination'], report);
    const v = m.percentage?.value;
    if (v !== undefined && (v < 0 || v > 100)) report.error([...path, 'mirrors', i, 'percentage', 'value'], `mirror percentage must be in 0..100 (it has ${v})`);
  });
}

export function validateRedirect(r: HTTPRedirect | undefined, path: FieldPath, report: Reporter): void {
  if (r === undefined) return;
  if (!r.uri && !r.authority && r.port === undefined && r.derivePort === undefined && !r.scheme) {
    report.error(path, 'redirect must specify URI, authority, scheme, or port');
  }
  if (r.port !== undefined && r.derivePort !== undefined) report.error([...path, 'derivePort'], 'only one of port or derivePort may be set');
  if (r.redirectCode !== undefined && r.redirectCode !== 0 && (r.redirectCode < 300 || r.redirectCode > 399)) {
    report.error([...path, 'redirectCode'], `${r.redirectCode} is not a valid redirect code, must be 3xx`);
  }
  if (r.scheme && r.scheme !== 'http' && r.scheme !== 'https') report.error([...path, 'scheme'], 'invalid redirect scheme, must be "http" or "https"');
  if (r.port !== undefined && r.port !== 0) checkPort(r.port, [...path, 'port'], report);
}

export function validateDirectResponse(d: HTTPDirectResponse | undefined, path: FieldPath, report: Reporter): void {
  if (d === undefined) return;
  checkHttpStatus(d.status, [...path, 'status'], report);
  const body = d.body;
  if (body === undefined) return;
  if (body.string !== undefined && body.bytes !== undefined) report.error([...path, 'body'], 'only one of string or bytes may be set');
  if (body.bytes !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(body.bytes.replace(/\s/g, ''))) report.error([...path, 'body', 'bytes'], 'bytes must be base64-encoded');
  const size = body.string !== undefined ? Buffer.byteLength(body.string) : body.bytes !== undefined ? Buffer.from(body.bytes, 'base64').length : 0;
  if (size > MB) report.error([...path, 'body'], 'large direct_responses may impact control plane performance, must be less than 1MB');
  else if (size > 100 * 1024) report.warning([...path, 'body'], 'large direct_responses may impact control plane performance');
}

export function validateRewrite(r: HTTPRewrite | undefined, path: FieldPath, report: Reporter): void {
  if (r === undefined) return;
  if (r.uri && r.uriRegexRewrite) report.error(path, 'rewrite may only contain one of URI or UriRegexRewrite');
  if (!r.uri && !r.uriRegexRewrite && !r.authority) {
    report.error(path, 'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified');
  }
  const rr = r.uriRegexRewrite;
  if (rr !== undefined) {
    if (!rr.match) report.error([...path, 'uriRegexRewrite', 'match'], 'UriRegexRewrite requires a match regex');
    else {
      const err = regexError(rr.match, 'uriRegexRewrite.match');
      if (err !== null) report.error([...path, 'uriRegexRewrite', 'match'], err);
    }
    if (rr.rewrite === undefined) report.error([...path, 'uriRegexRewrite', 'rewrite'], 'UriRegexRewrite requires a rewrite string');
  }
}

export function validateCors(c: CorsPolicy | undefined, path: FieldPath, report: Reporter): void {
  if (c === undefined) return;
  (c.allowOrigins ?? []).forEach((o, i) => validateStringMatch(o, 'allowOrigins', [...path, 'allowOrigins', i], report));
  (c.allowMethods ?? []).forEach((m, i) => {
    if (!CORS_METHODS.has(m)) report.error([...path, 'allowMethods', i], `"${m}" is not a supported HTTP method`);
  });
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    (c[field] ?? []).forEach((h, i) => {
      const err = h === '*' ? null : headerNameError(h);
      if (err !== null) report.error([...path, field, i], err);
    });
  }
  checkDuration(c.maxAge, [...path, 'maxAge'], report, { seconds: true });
}

