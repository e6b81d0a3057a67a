/**
 * The proxy-side check of a ProxyConfig received from the control plane: shape, types and
 * references. A config that fails is NACKed with the first problems found and never replaces the
 * config the proxy is serving.
 */
import { CLUSTER_TRANSPORTS, LB_POLICIES, RETRY_CONDITIONS, type ProxyConfig } from './proxy-config.ts';
import { checkTelemetry } from './validate-telemetry.ts';
import { checkAccessLog } from './validate-access-log.ts';
import { checkInboundMtls, checkUpstreamTls } from './validate-mtls.ts';

const MAX_PROBLEMS = 5;

type Bad = (path: string, msg: string) => void;

/** Bounds of a numeric field: always finite; integer and ranges as given. */
interface NumberRule {
  readonly int?: boolean;
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  readonly max?: number;
}

const COUNT: NumberRule = { int: true, min: 0 };
const POSITIVE_COUNT: NumberRule = { int: true, min: 1 };
const DURATION: NumberRule = { min: 0 };
const POSITIVE_DURATION: NumberRule = { above: 0 };
const PERCENT: NumberRule = { min: 0, max: 100 };
/** An HTTP field name (RFC 9110 token), lower-case as the proxy compares them. */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** A field value without CR, LF or NUL (no response splitting through config). */
const FIELD_VALUE = /^[^\r\n\0]*$/;

/** Problems found in `value` as a ProxyConfig (empty when it is one). */
export function validateProxyConfig(value: unknown): string[] {
  const problems: string[] = [];
  const bad = (path: string, msg: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(`${path}: ${msg}`);
  };
  if (!isObject(value)) return ['config: not an object'];
  const c = value as Record<string, unknown>;
  if (typeof c.version !== 'string' || c.version === '') bad('version', 'missing');
  if (typeof c.trustDomain !== 'string' || c.trustDomain === '') bad('trustDomain', 'missing');
  if (!isObject(c.node)) bad('node', 'missing');
  if (!isObject(c.inbound) || !Array.isArray((c.inbound as Record<string, unknown>).ports)) bad('inbound.ports', 'missing');

  const clusterNames = new Set<string>();
  if (!Array.isArray(c.clusters)) bad('clusters', 'not a list');
  else {
    c.clusters.forEach((cl: unknown, i) => {
      const p = `clusters[${i}]`;
      if (!isObject(cl)) return bad(p, 'not an object');
      const k = cl as Record<string, unknown>;
      if (typeof k.name !== 'string' || k.name === '') return bad(`${p}.name`, 'missing');
      if (clusterNames.has(k.name)) bad(`${p}.name`, `duplicate cluster "${k.name}"`);
      clusterNames.add(k.name);
      if (!(LB_POLICIES as readonly unknown[]).includes(k.lbPolicy)) bad(`${p}.lbPolicy`, `unknown policy ${String(k.lbPolicy)}`);
      if (!(CLUSTER_TRANSPORTS as readonly unknown[]).includes(k.transport)) bad(`${p}.transport`, `unsupported transport ${String(k.transport)}`);
      if (k.tls !== undefined) checkUpstreamTls(k.tls, `${p}.tls`, bad);
      if (!Array.isArray(k.endpoints)) return bad(`${p}.endpoints`, 'not a list');
      k.endpoints.forEach((ep: unknown, j) => {
        const q = `${p}.endpoints[${j}]`;
        if (!isObject(ep)) return bad(q, 'not an object');
        const e = ep as Record<string, unknown>;
        if (typeof e.address !== 'string' || e.address === '') bad(`${q}.address`, 'missing');
        if (!isPort(e.port)) bad(`${q}.port`, `invalid port ${String(e.port)}`);
        if (typeof e.identity !== 'string' || !e.identity.startsWith('spiffe://')) bad(`${q}.identity`, 'not a SPIFFE id');
      });
      if (k.connectionPool !== undefined) checkConnectionPool(k.connectionPool, `${p}.connectionPool`, bad);
      if (k.outlierDetection !== undefined) checkOutlier(k.outlierDetection, `${p}.outlierDetection`, bad);
    });
  }
  if (isObject(c.inbound) && (c.inbound as Record<string, unknown>).mtls !== undefined) checkInboundMtls((c.inbound as Record<string, unknown>).mtls, 'inbound.mtls', bad);
  if (isObject(c.inbound) && (c.inbound as Record<string, unknown>).rateLimit !== undefined) {
    checkRateLimit((c.inbound as Record<string, unknown>).rateLimit, 'inbound.rateLimit', bad);
  }
  if (c.outboundRateLimit !== undefined) checkRateLimit(c.outboundRateLimit, 'outboundRateLimit', bad);
  if (c.telemetry !== undefined) checkTelemetry(c.telemetry, bad); // issue 5
  if (isObject(c.telemetry) && (c.telemetry as Record<string, unknown>).accessLog !== undefined) {
    checkAccessLog((c.telemetry as Record<string, unknown>).accessLog, 'telemetry.accessLog', bad);
  }

  if (!Array.isArray(c.virtualHosts)) bad('virtualHosts', 'not a list');
  else {
    c.virtualHosts.forEach((vh: unknown, i) => {
      const p = `virtualHosts[${i}]`;
      if (!isObject(vh)) return bad(p, 'not an object');
      const v = vh as Record<string, unknown>;
      if (!Array.isArray(v.domains) || v.domains.some((d) => typeof d !== 'string')) bad(`${p}.domains`, 'not a list of strings');
      if (!Array.isArray(v.routes)) return bad(`${p}.routes`, 'not a list');
      v.routes.forEach((r: unknown, j) => {
        const q = `${p}.routes[${j}]`;
        if (!isObject(r)) return bad(q, 'not an object');
        const route = r as Record<string, unknown>;
        if (!Array.isArray(route.match)) bad(`${q}.match`, 'not a list');
        const action = route.action as Record<string, unknown> | undefined;
        if (!isObject(action) || !Array.isArray(action.clusters) || action.clusters.length === 0) return bad(`${q}.action.clusters`, 'empty');
        let total = 0;
        action.clusters.forEach((wc: unknown, k) => {
          const w = wc as Record<string, unknown>;
          if (!isObject(wc) || typeof w.cluster !== 'string') return bad(`${q}.action.clusters[${k}]`, 'not a weighted cluster');
          if (!clusterNames.has(w.cluster)) bad(`${q}.action.clusters[${k}].cluster`, `unknown cluster "${w.cluster}"`);
          if (typeof w.weight !== 'number' || !Number.isInteger(w.weight) || w.weight < 0) bad(`${q}.action.clusters[${k}].weight`, `invalid weight ${String(w.weight)}`);
          else total += w.weight;
        });
        if (total <= 0) bad(`${q}.action.clusters`, 'weights sum to 0');
        if (route.timeoutMs !== undefined) checkNumber(route.timeoutMs, `${q}.timeoutMs`, DURATION, bad);
        if (route.retry !== undefined) checkRetry(route.retry, `${q}.retry`, bad);
        if (route.fault !== undefined) checkFault(route.fault, `${q}.fault`, bad);
        if (route.mirrors !== undefined) {
          if (!Array.isArray(route.mirrors)) bad(`${q}.mirrors`, 'not a list');
          else {
            route.mirrors.forEach((m: unknown, k) => {
              const mp = `${q}.mirrors[${k}]`;
              if (!isObject(m)) return bad(mp, 'not an object');
              const mm = m as Record<string, unknown>;
              if (typeof mm.cluster !== 'string' || !clusterNames.has(mm.cluster)) bad(`${mp}.cluster`, `unknown cluster "${String(mm.cluster)}"`);
              checkNumber(mm.percent, `${mp}.percent`, PERCENT, bad);
            });
          }
        }
      });
    });
  }
  return problems;
}

function checkNumber(v: unknown, path: string, rule: NumberRule, bad: Bad): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) return bad(path, `not a finite number: ${String(v)}`);
  if (rule.int === true && !Number.isInteger(v)) return bad(path, `not an integer: ${v}`);
  if (rule.min !== undefined && v < rule.min) return bad(path, `${v} is below ${rule.min}`);
  if (rule.above !== undefined && v <= rule.above) return bad(path, `${v} must be above ${rule.above}`);
  if (rule.max !== undefined && v > rule.max) return bad(path, `${v} is above ${rule.max}`);
}

function fields(v: unknown, path: string, bad: Bad): Record<string, unknown> | null {
  if (!isObject(v)) {
    bad(path, 'not an object');
    return null;
  }
  return v as Record<string, unknown>;
}

function checkConnectionPool(v: unknown, p: string, bad: Bad): void {
  const o = fields(v, p, bad);
  if (o === null) return;
  for (const f of ['maxConnections', 'maxPendingRequests', 'maxRequests', 'maxRequestsPerConnection', 'maxRetries']) checkNumber(o[f], `${p}.${f}`, COUNT, bad);
  checkNumber(o.connectTimeoutMs, `${p}.connectTimeoutMs`, POSITIVE_DURATION, bad);
  checkNumber(o.idleTimeoutMs, `${p}.idleTimeoutMs`, DURATION, bad);
}

function checkOutlier(v: unknown, p: string, bad: Bad): void {
  const o = fields(v, p, bad);
  if (o === null) return;
  checkNumber(o.consecutive5xxErrors, `${p}.consecutive5xxErrors`, COUNT, bad);
  checkNumber(o.consecutiveGatewayErrors, `${p}.consecutiveGatewayErrors`, COUNT, bad);
  checkNumber(o.intervalMs, `${p}.intervalMs`, POSITIVE_DURATION, bad);
  checkNumber(o.baseEjectionTimeMs, `${p}.baseEjectionTimeMs`, POSITIVE_DURATION, bad);
  checkNumber(o.maxEjectionPercent, `${p}.maxEjectionPercent`, PERCENT, bad);
  checkNumber(o.minHealthPercent, `${p}.minHealthPercent`, PERCENT, bad);
}

function checkRateLimit(v: unknown, p: string, bad: Bad): void {
  const o = fields(v, p, bad);
  if (o === null) return;
  checkNumber(o.maxTokens, `${p}.maxTokens`, POSITIVE_COUNT, bad);
  checkNumber(o.tokensPerFill, `${p}.tokensPerFill`, POSITIVE_COUNT, bad);
  checkNumber(o.fillIntervalMs, `${p}.fillIntervalMs`, POSITIVE_DURATION, bad);
  checkNumber(o.enabledPercent, `${p}.enabledPercent`, PERCENT, bad);
  checkNumber(o.enforcedPercent, `${p}.enforcedPercent`, PERCENT, bad);
  if (!Array.isArray(o.responseHeaders)) return bad(`${p}.responseHeaders`, 'not a list');
  o.responseHeaders.forEach((h: unknown, i) => {
    const hp = `${p}.responseHeaders[${i}]`;
    if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== 'string' || typeof h[1] !== 'string') return bad(hp, 'not a [name, value] pair of strings');
    if (!FIELD_NAME.test(h[0])) bad(hp, `invalid lower-case field name "${h[0]}"`);
    if (!FIELD_VALUE.test(h[1])) bad(hp, 'field value contains CR, LF or NUL');
  });
}

function checkRetry(v: unknown, p: string, bad: Bad): void {
  const o = fields(v, p, bad);
  if (o === null) return;
  checkNumber(o.maxRetries, `${p}.maxRetries`, COUNT, bad);
  if (o.perTryTimeoutMs !== undefined) checkNumber(o.perTryTimeoutMs, `${p}.perTryTimeoutMs`, POSITIVE_DURATION, bad);
  if (!Array.isArray(o.retryOn)) bad(`${p}.retryOn`, 'not a list');
  else for (const r of o.retryOn) if (!(RETRY_CONDITIONS as readonly unknown[]).includes(r)) bad(`${p}.retryOn`, `unknown retry condition ${String(r)}`);
  if (!Array.isArray(o.retriableStatusCodes)) bad(`${p}.retriableStatusCodes`, 'not a list');
  else o.retriableStatusCodes.forEach((code: unknown, i) => checkNumber(code, `${p}.retriableStatusCodes[${i}]`, { int: true, min: 100, max: 599 }, bad));
  checkNumber(o.backoffBaseMs, `${p}.backoffBaseMs`, POSITIVE_DURATION, bad);
  checkNumber(o.backoffMaxMs, `${p}.backoffMaxMs`, POSITIVE_DURATION, bad);
  if (typeof o.backoffBaseMs === 'number' && typeof o.backoffMaxMs === 'number' && o.backoffMaxMs < o.backoffBaseMs) bad(`${p}.backoffMaxMs`, 'below backoffBaseMs');
  if (typeof o.avoidPreviousHosts !== 'boolean') bad(`${p}.avoidPreviousHosts`, 'not a boolean');
}

function checkFault(v: unknown, p: string, bad: Bad): void {
  const o = fields(v, p, bad);
  if (o === null) return;
  if (o.delay !== undefined) {
    const d = fields(o.delay, `${p}.delay`, bad);
    if (d !== null) {
      checkNumber(d.fixedDelayMs, `${p}.delay.fixedDelayMs`, DURATION, bad);
      checkNumber(d.percent, `${p}.delay.percent`, PERCENT, bad);
    }
  }
  if (o.abort !== undefined) {
    const a = fields(o.abort, `${p}.abort`, bad);
    if (a !== null) {
      if (a.httpStatus === undefined && a.grpcStatus === undefined) bad(`${p}.abort`, 'neither httpStatus nor grpcStatus');
      if (a.httpStatus !== undefined) checkNumber(a.httpStatus, `${p}.abort.httpStatus`, { int: true, min: 200, max: 599 }, bad);
      if (a.grpcStatus !== undefined && (typeof a.grpcStatus !== 'string' || a.grpcStatus === '')) bad(`${p}.abort.grpcStatus`, 'not a status name');
      checkNumber(a.percent, `${p}.abort.percent`, PERCENT, bad);
    }
  }
}

/** Narrows after validateProxyConfig returned no problems. */
export function asProxyConfig(value: unknown): ProxyConfig {
  return value as ProxyConfig;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 65536;
}
