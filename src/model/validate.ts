/**
 * The proxy-side check of a ProxyConfig received from the control plane: shape, types and
 * references. A config that fails is NACKed with the first problems found and never replaces the
 * config the proxy is serving.
 */
import { LB_POLICIES, type ProxyConfig } from './proxy-config.ts';

const MAX_PROBLEMS = 5;

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
      if (k.transport !== 'ISTIO_MUTUAL') bad(`${p}.transport`, `unsupported transport ${String(k.transport)}`);
      if (!Array.isArray(k.endpoints)) return bad(`${p}.endpoints`, 'not a list');
      k.endpoints.forEach((ep: unknown, j) => {
        const q = `${p}.endpoints[${j}]`;
        if (!isObject(ep)) return bad(q, 'not an object');
        const e = ep as Record<string, unknown>;
        if (typeof e.address !== 'string' || e.address === '') bad(`${q}.address`, 'missing');
        if (!isPort(e.port)) bad(`${q}.port`, `invalid port ${String(e.port)}`);
        if (typeof e.identity !== 'string' || !e.identity.startsWith('spiffe://')) bad(`${q}.identity`, 'not a SPIFFE id');
      });
    });
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
      });
    });
  }
  return problems;
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
