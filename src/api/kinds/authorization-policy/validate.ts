// AuthorizationPolicy checks, after Istio's ValidateAuthorizationPolicy: non-empty sources and operations, IPs, ports, condition keys, no CUSTOM.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import type { ObjectMeta } from '../../resource.ts';
import { validateSelector } from '../../rules/labels.ts';
import { subnetError } from '../../rules/net.ts';
import type { AuthorizationPolicySpec, Condition, Operation, Source } from './types.ts';

/** Condition keys Weft evaluates (besides request.headers[…] and request.auth.claims[…]); Istio's list for HTTP. */
export const CONDITION_KEYS = ['source.ip', 'remote.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port', 'connection.sni', 'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter'] as const;

const IP_KEYS = new Set(['source.ip', 'remote.ip', 'destination.ip']);

/** "request.headers[x-a]" → "x-a"; null when `key` is not `<prefix>[<non-empty>]` (Istio's validateMapKey). */
export function mapKeyOf(key: string, prefix: string): string | null {
  if (!key.startsWith(`${prefix}[`) || !key.endsWith(']')) return null;
  const inner = key.slice(prefix.length + 1, -1);
  return inner === '' || inner.includes('[') || inner.includes(']') ? null : inner;
}

/** Istio's ValidatePorts: a decimal number 0–65535. */
export function portError(port: string): string | null {
  return /^\d{1,5}$/.test(port) && Number(port) <= 65535 ? null : `invalid port "${port}": a number 0..65535`;
}

export function validateAuthorizationPolicy(spec: AuthorizationPolicySpec, _meta: ObjectMeta, report: Reporter): void {
  const at = (...p: (string | number)[]): FieldPath => ['spec', ...p];
  if (spec.action === 'CUSTOM') {
    report.error(at('action'), 'action CUSTOM (an external authorizer, Envoy ext_authz) is not supported by Weft: use ALLOW, DENY or AUDIT');
  }
  if (spec.selector !== undefined) validateSelector(spec.selector.matchLabels, at('selector', 'matchLabels'), report);
  let requestAuth = false;
  (spec.rules ?? []).forEach((rule, i) => {
    if (rule.from !== undefined && rule.from.length === 0) report.error(at('rules', i, 'from'), '`from` must not be empty: leave it out to match any source');
    (rule.from ?? []).forEach((f, j) => {
      const path = at('rules', i, 'from', j, 'source');
      if (f.source === undefined) report.error(path, '`from.source` must be set');
      else {
        checkSource(f.source, path, report);
        if ((f.source.requestPrincipals?.length ?? 0) > 0 || (f.source.notRequestPrincipals?.length ?? 0) > 0) requestAuth = true;
      }
    });
    if (rule.to !== undefined && rule.to.length === 0) report.error(at('rules', i, 'to'), '`to` must not be empty: leave it out to match any operation');
    (rule.to ?? []).forEach((t, j) => {
      const path = at('rules', i, 'to', j, 'operation');
      if (t.operation === undefined) report.error(path, '`to.operation` must be set');
      else checkOperation(t.operation, path, report);
    });
    (rule.when ?? []).forEach((c, j) => {
      if (checkCondition(c, at('rules', i, 'when', j), report)) requestAuth = true;
    });
  });
  if (requestAuth) {
    report.warning(at('rules'), 'requestPrincipals and request.auth.* need a JWT validated by RequestAuthentication, which Weft does not have: a request never has a request principal, so these values never match and their not-forms always do');
  }
}

function checkValues(values: readonly string[] | undefined, path: FieldPath, report: Reporter, each?: (v: string) => string | null): void {
  (values ?? []).forEach((v, k) => {
    const err = v === '' ? 'empty value is not allowed' : each?.(v) ?? null;
    if (err !== null) report.error([...path, k], err);
  });
}

const TEMPLATE = /\{\*\*?\}/;
const pathError = (p: string): string | null => (TEMPLATE.test(p) ? `path templates ({*}, {**}) are not supported by Weft yet: "${p}"` : null);

function checkSource(s: Source, path: FieldPath, report: Reporter): void {
  const set = Object.values(s).some((v) => Array.isArray(v) && v.length > 0);
  if (!set) report.error(path, '`from.source` must not be empty: set at least one field');
  for (const f of ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces'] as const) checkValues(s[f], [...path, f], report);
  for (const f of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) checkValues(s[f], [...path, f], report, subnetError);
}

function checkOperation(o: Operation, path: FieldPath, report: Reporter): void {
  const set = Object.values(o).some((v) => Array.isArray(v) && v.length > 0);
  if (!set) report.error(path, '`to.operation` must not be empty: set at least one field');
  for (const f of ['hosts', 'notHosts', 'methods', 'notMethods'] as const) checkValues(o[f], [...path, f], report);
  for (const f of ['paths', 'notPaths'] as const) checkValues(o[f], [...path, f], report, pathError);
  for (const f of ['ports', 'notPorts'] as const) checkValues(o[f], [...path, f], report, portError);
}

/** Istio's ValidateAttribute for one condition; true when it reads request.auth (never present in Weft). */
function checkCondition(c: Condition, path: FieldPath, report: Reporter): boolean {
  const key = c.key;
  if (key === '') {
    report.error([...path, 'key'], '`key` must not be empty');
    return false;
  }
  if ((c.values?.length ?? 0) === 0 && (c.notValues?.length ?? 0) === 0) {
    report.error(path, `at least one of values or notValues must be set for key ${key}`);
  }
  let each: ((v: string) => string | null) | undefined;
  if (key.startsWith('request.headers')) {
    if (mapKeyOf(key, 'request.headers') === null) report.error([...path, 'key'], `bad key (${key}): should have format request.headers[<name>]`);
  } else if (key.startsWith('request.auth.claims')) {
    if (mapKeyOf(key, 'request.auth.claims') === null) report.error([...path, 'key'], `bad key (${key}): should have format request.auth.claims[<claim>]`);
  } else if (key.startsWith('experimental.envoy.filters.')) {
    report.error([...path, 'key'], `${key}: Envoy filter metadata is not supported by Weft`);
  } else if (!(CONDITION_KEYS as readonly string[]).includes(key)) {
    report.error([...path, 'key'], `unknown attribute: ${key}; supported: request.headers[<name>], ${CONDITION_KEYS.join(', ')}, request.auth.claims[<claim>]`);
  } else if (IP_KEYS.has(key)) each = subnetError;
  else if (key === 'destination.port') each = portError;
  checkValues(c.values, [...path, 'values'], report, each);
  checkValues(c.notValues, [...path, 'notValues'], report, each);
  return key.startsWith('request.auth.');
}
