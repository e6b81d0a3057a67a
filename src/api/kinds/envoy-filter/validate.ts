// EnvoyFilter checks: Istio's rules for the shape, then Weft's rule that the only patch it takes is one inserting Envoy's local rate limit filter.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import type { ObjectMeta } from '../../resource.ts';
import { validateSelector } from '../../rules/labels.ts';
import { LOCAL_RATELIMIT_FILTER, validateLocalRateLimitValue } from './local-ratelimit.ts';
import type { EnvoyConfigObjectPatch, EnvoyFilterSpec } from './types.ts';

/** The one kind of patch Weft acts on, as every rejection names it. */
export const SUPPORTED_PATCH = `Weft supports one kind of EnvoyFilter patch: applyTo HTTP_FILTER with match.context SIDECAR_INBOUND or SIDECAR_OUTBOUND and patch.operation INSERT_BEFORE (or INSERT_FIRST), inserting ${LOCAL_RATELIMIT_FILTER} (see docs/resilience.md)`;

/** The network filter HTTP filters live in; the second spelling is Envoy's deprecated name, still in older Istio docs. */
export const HTTP_CONNECTION_MANAGER_NAMES: ReadonlySet<string> = new Set(['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager']);
/** INSERT_BEFORE the router is where Istio's own docs insert filters; Weft's rate limit stage always runs before routing. */
export const ROUTER_FILTER_NAMES: ReadonlySet<string> = new Set(['envoy.filters.http.router', 'envoy.router']);
const OPERATIONS: ReadonlySet<string> = new Set(['INSERT_BEFORE', 'INSERT_FIRST']);

export type Direction = 'inbound' | 'outbound';

/** The traffic direction a supported patch applies to, from its match.context. */
export function directionOf(p: EnvoyConfigObjectPatch): Direction | undefined {
  switch (p.match?.context) {
    case 'SIDECAR_INBOUND': return 'inbound';
    case 'SIDECAR_OUTBOUND': return 'outbound';
    default: return undefined;
  }
}

export function validateEnvoyFilter(spec: EnvoyFilterSpec, _meta: ObjectMeta, report: Reporter): void {
  if (spec.workloadSelector !== undefined) validateSelector(spec.workloadSelector.labels, ['spec', 'workloadSelector', 'labels'], report);
  const patches = spec.configPatches ?? [];
  if (patches.length === 0) report.warning(['spec'], 'no configPatches: this EnvoyFilter changes nothing');
  const seen = new Map<Direction, number>();
  patches.forEach((p, i) => {
    const at: FieldPath = ['spec', 'configPatches', i];
    if (!validatePatch(p, at, report)) return;
    const direction = directionOf(p)!;
    const first = seen.get(direction);
    if (first !== undefined) {
      report.error([...at, 'match', 'context'], `a second local rate limit for ${p.match?.context} (the first is configPatches[${first}]): Weft keeps one token bucket per direction, so give one patch per direction`);
    } else seen.set(direction, i);
  });
}

/** True when the patch is the supported kind (every problem has been reported otherwise). */
function validatePatch(p: EnvoyConfigObjectPatch, at: FieldPath, report: Reporter): boolean {
  if (p.applyTo === undefined || p.applyTo === 'INVALID') {
    report.error([...at, 'applyTo'], `applyTo is required. ${SUPPORTED_PATCH}`);
    return false;
  }
  if (p.applyTo !== 'HTTP_FILTER') {
    report.error([...at, 'applyTo'], `applyTo ${p.applyTo} is not supported. ${SUPPORTED_PATCH}`);
    return false;
  }
  let ok = true;
  const context = p.match?.context;
  if (context !== 'SIDECAR_INBOUND' && context !== 'SIDECAR_OUTBOUND') {
    const why = context === undefined ? 'match.context is required' : `match.context ${context} is not supported`;
    report.error(p.match === undefined ? [...at, 'match'] : [...at, 'match', 'context'], `${why}: a sidecar limits requests it receives (SIDECAR_INBOUND) or sends (SIDECAR_OUTBOUND). ${SUPPORTED_PATCH}`);
    ok = false;
  }
  const filter = p.match?.listener?.filterChain?.filter;
  if (filter?.name !== undefined && !HTTP_CONNECTION_MANAGER_NAMES.has(filter.name)) {
    report.error([...at, 'match', 'listener', 'filterChain', 'filter', 'name'], `HTTP filters live in envoy.filters.network.http_connection_manager; filter "${filter.name}" has none. ${SUPPORTED_PATCH}`);
    ok = false;
  }
  const sub = filter?.subFilter?.name;
  if (sub !== undefined && !ROUTER_FILTER_NAMES.has(sub)) {
    report.error([...at, 'match', 'listener', 'filterChain', 'filter', 'subFilter', 'name'], `Weft runs the local rate limit at one fixed place, before routing: name no sub-filter, or envoy.filters.http.router (got "${sub}")`);
    ok = false;
  }
  const op = p.patch?.operation;
  if (op === undefined || !OPERATIONS.has(op)) {
    const why = op === undefined || op === 'INVALID' ? 'patch.operation is required' : `patch.operation ${op} is not supported`;
    report.error(p.patch === undefined ? [...at, 'patch'] : [...at, 'patch', 'operation'], `${why}. ${SUPPORTED_PATCH}`);
    ok = false;
  }
  const value = p.patch?.value;
  if (value === undefined) {
    if (p.patch !== undefined) report.error([...at, 'patch', 'value'], `patch.value is required: the ${LOCAL_RATELIMIT_FILTER} filter with its typed_config`);
    return false;
  }
  const checked = counting(report);
  validateLocalRateLimitValue(value, [...at, 'patch', 'value'], checked.reporter);
  return ok && checked.errors() === 0;
}

/** Wraps a reporter to count the errors reported through it. */
function counting(report: Reporter): { reporter: Reporter; errors: () => number } {
  let n = 0;
  return {
    reporter: { error: (path, message) => { n++; report.error(path, message); }, warning: (path, message) => report.warning(path, message) },
    errors: () => n,
  };
}
