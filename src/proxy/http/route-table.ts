/**
 * RouteTable: a ProxyConfig's virtual hosts compiled once per config version into lookups and
 * match closures, so that routing a request is a map lookup plus a walk of pre-built predicates.
 * Envoy's semantics: exact and regex URI matches ignore the query string, prefix matches the raw
 * path; regexes must match the whole value (RE2 full match); header names are case-insensitive.
 */
import type { VirtualHost, Route, RouteMatch, StringMatch, WeightedCluster } from '../../model/proxy-config.ts';
import { getHeaderJoined } from './message.ts';

/** What a match predicate may look at. */
export interface RouteInput {
  readonly method: string;
  readonly authority: string;
  readonly path: string;
  readonly scheme: string;
  readonly headers: readonly string[];
}

export interface CompiledRoute {
  readonly name: string;
  readonly matches: (req: RouteInput) => boolean;
  /** Weighted choice among clusters; `pick(r)` takes r uniform in [0, 1). */
  readonly pick: (r: number) => string;
  readonly route: Route;
}

export interface CompiledVirtualHost {
  readonly name: string;
  readonly routes: readonly CompiledRoute[];
}

export interface RouteTableLimits {
  /**
   * Longest regex accepted, standing in for Envoy's RE2 program-size limit: Envoy NACKs a config
   * whose regex program exceeds `re2.max_program_size.error_level`; Weft's proxy does the same by
   * length, which bounds the work a match can do on the request path.
   */
  readonly maxRegexLength: number;
}

export const DEFAULT_ROUTE_LIMITS: RouteTableLimits = { maxRegexLength: 1024 };

export class RouteTableError extends Error {}

export class RouteTable {
  readonly #byDomain = new Map<string, CompiledVirtualHost>();

  constructor(virtualHosts: readonly VirtualHost[], limits: RouteTableLimits = DEFAULT_ROUTE_LIMITS) {
    for (const vh of virtualHosts) {
      const compiled: CompiledVirtualHost = {
        name: vh.name,
        routes: vh.routes.map((r) => compileRoute(r, limits)),
      };
      for (const d of vh.domains) {
        const key = d.toLowerCase();
        if (this.#byDomain.has(key)) throw new RouteTableError(`domain "${key}" appears in more than one virtual host`);
        this.#byDomain.set(key, compiled);
      }
    }
  }

  /** The virtual host for a request authority; a trailing ":80" is the same as none. */
  virtualHost(authority: string): CompiledVirtualHost | undefined {
    const a = authority.toLowerCase();
    const vh = this.#byDomain.get(a);
    if (vh !== undefined) return vh;
    if (a.endsWith(':80')) return this.#byDomain.get(a.slice(0, -3));
    return undefined;
  }

  /** First route of the virtual host whose match accepts the request. */
  static route(vh: CompiledVirtualHost, req: RouteInput): CompiledRoute | undefined {
    for (const r of vh.routes) if (r.matches(req)) return r;
    return undefined;
  }
}

function compileRoute(route: Route, limits: RouteTableLimits): CompiledRoute {
  const preds = route.match.map((m) => compileMatch(m, limits));
  const matches = preds.length === 0 ? matchAll : preds.length === 1 ? preds[0]! : (req: RouteInput) => preds.some((p) => p(req));
  return { name: route.name, matches, pick: compilePick(route.action.clusters, route.name), route };
}

const matchAll = (): boolean => true;

function compilePick(clusters: readonly WeightedCluster[], routeName: string): (r: number) => string {
  if (clusters.length === 0) throw new RouteTableError(`route ${routeName} has no destination`);
  if (clusters.length === 1) {
    const only = clusters[0]!.cluster;
    return () => only;
  }
  let total = 0;
  const bounds: number[] = [];
  for (const c of clusters) {
    if (!Number.isInteger(c.weight) || c.weight < 0) throw new RouteTableError(`route ${routeName}: invalid weight ${c.weight}`);
    total += c.weight;
    bounds.push(total);
  }
  if (total <= 0) throw new RouteTableError(`route ${routeName}: weights sum to 0`);
  const names = clusters.map((c) => c.cluster);
  return (r: number) => {
    const x = r * total;
    for (let i = 0; i < bounds.length; i++) if (x < bounds[i]!) return names[i]!;
    return names[names.length - 1]!;
  };
}

type Pred = (req: RouteInput) => boolean;

function compileMatch(m: RouteMatch, limits: RouteTableLimits): Pred {
  const preds: Pred[] = [];
  if (m.uri !== undefined) preds.push(uriPredicate(m.uri, m.ignoreUriCase === true, limits));
  if (m.method !== undefined) {
    const f = stringPredicate(m.method, false, limits);
    preds.push((req) => f(req.method));
  }
  if (m.authority !== undefined) {
    const f = stringPredicate(m.authority, false, limits);
    preds.push((req) => f(req.authority));
  }
  if (m.scheme !== undefined) {
    const f = stringPredicate(m.scheme, false, limits);
    preds.push((req) => f(req.scheme));
  }
  for (const h of m.headers ?? []) {
    const name = h.name.toLowerCase();
    const f = stringPredicate(h.match, false, limits);
    const invert = h.invert;
    preds.push((req) => {
      const v = getHeaderJoined(req.headers, name);
      const hit = v !== undefined && f(v);
      return invert ? !hit : hit;
    });
  }
  for (const q of m.queryParams ?? []) {
    const f = stringPredicate(q.match, false, limits);
    const name = q.name;
    preds.push((req) => {
      const v = queryParam(req.path, name);
      return v !== undefined && f(v);
    });
  }
  if (preds.length === 0) return matchAll;
  if (preds.length === 1) return preds[0]!;
  return (req) => {
    for (const p of preds) if (!p(req)) return false;
    return true;
  };
}

function uriPredicate(sm: StringMatch, ignoreCase: boolean, limits: RouteTableLimits): Pred {
  if (sm.kind === 'prefix') {
    const f = stringPredicate(sm, ignoreCase, limits);
    return (req) => f(req.path);
  }
  const f = stringPredicate(sm, ignoreCase, limits);
  return (req) => {
    const q = req.path.indexOf('?');
    return f(q === -1 ? req.path : req.path.slice(0, q));
  };
}

/** A predicate over one string value; `undefined` values never reach it. */
export function stringPredicate(sm: StringMatch, ignoreCase: boolean, limits: RouteTableLimits = DEFAULT_ROUTE_LIMITS): (v: string) => boolean {
  switch (sm.kind) {
    case 'present':
      return () => true;
    case 'exact': {
      if (!ignoreCase) {
        const want = sm.value;
        return (v) => v === want;
      }
      const want = sm.value.toLowerCase();
      return (v) => v.toLowerCase() === want;
    }
    case 'prefix': {
      if (!ignoreCase) {
        const want = sm.value;
        return (v) => v.startsWith(want);
      }
      const want = sm.value.toLowerCase();
      return (v) => v.toLowerCase().startsWith(want);
    }
    case 'regex': {
      if (sm.value.length > limits.maxRegexLength) {
        throw new RouteTableError(`regex of ${sm.value.length} characters exceeds this proxy's limit of ${limits.maxRegexLength}`);
      }
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${sm.value})$`, ignoreCase ? 'i' : '');
      } catch (err) {
        throw new RouteTableError(`invalid regex "${sm.value}": ${(err as Error).message}`);
      }
      return (v) => re.test(v);
    }
  }
}

/** Decoded value of query parameter `name` in a path, or undefined. */
function queryParam(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q === -1) return undefined;
  for (const pair of path.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const k = eq === -1 ? pair : pair.slice(0, eq);
    if (safeDecode(k) === name) return eq === -1 ? '' : safeDecode(pair.slice(eq + 1));
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
