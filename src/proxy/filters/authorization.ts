/**
 * Authorization (Envoy's RBAC filter as Istio configures it from AuthorizationPolicy): on the
 * inbound listener, before the rate limit, decide whether a request may reach the local app.
 *
 * - Order: (CUSTOM: none in Weft) → DENY: any matching rule refuses → ALLOW: when at least one
 *   ALLOW policy applies, some rule of one must match, else refused → allowed. AUDIT policies are
 *   evaluated first on every request and only reported (onAudit); they never change the outcome.
 * - A refusal is 403 with body `RBAC: access denied` and flag RBAC; its details are Envoy's
 *   `rbac_access_denied_matched_policy[<policy>-rule[<i>]]`, or `[none]` when no ALLOW rule matched.
 * - Everything is built once per config version: each check becomes a closure over pre-split
 *   patterns and pre-parsed address blocks, each refusal a prebuilt error. Per request the stage
 *   reads the attributes it needs lazily, once, into a reused scratch object: no regex, and no
 *   allocation on the common paths (the principal and namespace are split once per peer identity).
 * - Paths are matched, and forwarded, with their dot segments removed (normalizePath).
 * - The caller's principal is its certificate's SPIFFE id without "spiffe://"
 *   ("cluster.local/ns/default/sa/order-service"); a plaintext caller has none, so principals,
 *   namespaces and `*` never match it and their not-forms always do.
 */
import { BlockList, isIPv4 } from 'node:net';
import type { AuthzCheck, AuthzPolicy, AuthzRule, AuthzStringMatch, InboundAuthorization } from '../../model/proxy-config.ts';
import type { HttpRequest, Layer, Service } from '../http/message.ts';
import { AccessDeniedError } from '../errors.ts';

/** What the checks read; filled lazily per request (`has*` flags), one object per authorizer. */
class Attributes {
  req: HttpRequest = null as unknown as HttpRequest;
  hasPath = false;
  path = '';
  hasPort = false;
  port = 0;
  hasSource = false;
  /** The peer identity the principal and namespace were split from: kept across requests (one connection, one peer). */
  peer = '';
  /** Principal and namespace; '' for a plaintext caller. */
  principal = '';
  namespace = '';
  hasIp = false;
  ip = '';
  /** IPv4 as an unsigned 32-bit number, or -1 for IPv6. */
  ip4 = -1;

  reset(req: HttpRequest): void {
    this.req = req;
    this.hasPath = this.hasPort = this.hasSource = this.hasIp = false;
  }
}

type Check = (a: Attributes) => boolean;
type Matcher = (v: string) => boolean;

export interface Authorizer {
  /** null: allowed; otherwise the prebuilt refusal. */
  decide(req: HttpRequest): AccessDeniedError | null;
}

export interface AuthorizerContext {
  /** Service ports of this workload (InboundConfig.ports): destination.port is the one the caller addressed. */
  readonly ports: readonly number[];
  /** Called for each AUDIT policy a request matches (its id, "ns[x]-policy[y]"). */
  readonly onAudit?: (policy: string, req: HttpRequest) => void;
}

/** Builds the matchers of one config version; throws on a malformed config (the proxy NACKs it). */
export function buildAuthorizer(cfg: InboundAuthorization, ctx: AuthorizerContext): Authorizer {
  const scratch = new Attributes();
  const destIp4 = ipv4Number(cfg.destinationIp);
  const ports = ctx.ports;
  const env: Env = { destinationIp: cfg.destinationIp, destIp4, ports };
  const compile = (p: AuthzPolicy): CompiledPolicy => ({ name: p.name, rules: p.rules.map((r) => compileRule(r, env)) });
  const deny = cfg.deny.map(compile);
  const allow = cfg.allow.map(compile);
  const audit = cfg.audit.map(compile);
  // One refusal per DENY rule, and one for "no ALLOW rule matched": nothing is built per request.
  const denyErrors = deny.map((p) => p.rules.map((_, i) => new AccessDeniedError(`${p.name}-rule[${i}]`)));
  const noneMatched = new AccessDeniedError('none');
  const onAudit = ctx.onAudit;
  const checkAudit = onAudit !== undefined && audit.length > 0;
  return {
    decide(req) {
      const a = scratch;
      a.reset(req);
      try {
        if (checkAudit) for (const p of audit) if (firstMatch(p.rules, a) >= 0) onAudit(p.name, req);
        for (let i = 0; i < deny.length; i++) {
          const hit = firstMatch(deny[i]!.rules, a);
          if (hit >= 0) return denyErrors[i]![hit]!;
        }
        if (allow.length === 0) return null;
        for (const p of allow) if (firstMatch(p.rules, a) >= 0) return null;
        return noneMatched;
      } finally {
        a.req = null as unknown as HttpRequest;
      }
    },
  };
}

/**
 * The inbound stage for one config version. The path is normalized first (dot segments removed,
 * Istio's default `pathNormalization: BASE`), and the request goes on with the normalized path,
 * so that the app serves exactly the path the policies judged: `/public/../admin` is `/admin` to both.
 */
export function authorizationLayer(cfg: InboundAuthorization, ctx: AuthorizerContext): Layer {
  const authorizer = buildAuthorizer(cfg, ctx);
  return (inner: Service): Service => (req) => {
    const path = normalizePath(req.path);
    const r = path === req.path ? req : { ...req, path };
    const denied = authorizer.decide(r);
    return denied === null ? inner(r) : Promise.reject(denied);
  };
}

/**
 * RFC 3986 §5.2.4 remove_dot_segments on the path part of an origin-form target (the query kept
 * as is), counting `%2e` as a dot as browsers' and Envoy's canonicalizers do; never above the root.
 * Returns `target` itself when there is nothing to remove (the common case allocates nothing).
 */
export function normalizePath(target: string): string {
  if (target.charCodeAt(0) !== 47 /* / */) return target;
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (!path.includes('/.') && !path.includes('%2e') && !path.includes('%2E')) return target;
  const segs = path.split('/');
  const out: string[] = [];
  let changed = false;
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i]!;
    const last = i === segs.length - 1;
    const dots = dotSegment(s);
    if (dots === 0) {
      out.push(s);
      continue;
    }
    changed = true;
    if (dots === 2) out.pop();
    if (last) out.push('');
  }
  if (!changed) return target;
  return `/${out.join('/')}${q < 0 ? '' : target.slice(q)}`;
}

/** 1 for ".", 2 for "..", either with dots written as %2e; 0 otherwise. */
function dotSegment(s: string): 0 | 1 | 2 {
  if (s === '.') return 1;
  if (s === '..') return 2;
  if (s.length < 3 || s.length > 6) return 0;
  const l = s.toLowerCase();
  if (l === '%2e') return 1;
  return l === '.%2e' || l === '%2e.' || l === '%2e%2e' ? 2 : 0;
}

interface CompiledPolicy {
  readonly name: string;
  readonly rules: readonly Check[];
}

interface Env {
  readonly destinationIp: string;
  readonly destIp4: number;
  readonly ports: readonly number[];
}

function firstMatch(rules: readonly Check[], a: Attributes): number {
  for (let i = 0; i < rules.length; i++) if (rules[i]!(a)) return i;
  return -1;
}

const always: Check = () => true;

function all(checks: readonly Check[]): Check {
  if (checks.length === 0) return always;
  if (checks.length === 1) return checks[0]!;
  return (a) => {
    for (const c of checks) if (!c(a)) return false;
    return true;
  };
}

function any(checks: readonly Check[]): Check {
  if (checks.length === 1) return checks[0]!;
  return (a) => {
    for (const c of checks) if (c(a)) return true;
    return false;
  };
}

/** from (OR of ANDs, empty: any) AND to (the same) AND every when. */
export function compileRule(rule: AuthzRule, env: Env): Check {
  const parts: Check[] = [];
  if (rule.from.length > 0) parts.push(any(rule.from.map((f) => all(f.map((c) => compileCheck(c, env))))));
  if (rule.to.length > 0) parts.push(any(rule.to.map((t) => all(t.map((c) => compileCheck(c, env))))));
  for (const c of rule.when) parts.push(compileCheck(c, env));
  return all(parts);
}

function compileCheck(c: AuthzCheck, env: Env): Check {
  const positive = positiveCheck(c, env);
  return c.negate ? (a) => !positive(a) : positive;
}

function positiveCheck(c: AuthzCheck, env: Env): Check {
  switch (c.attribute) {
    case 'source.principal': {
      const m = stringMatcher(c.values);
      return (a) => { source(a); return a.principal !== '' && m(a.principal); };
    }
    case 'source.namespace': {
      const m = stringMatcher(c.values);
      return (a) => { source(a); return a.namespace !== '' && m(a.namespace); };
    }
    case 'request.method': {
      const m = stringMatcher(c.values);
      return (a) => m(a.req.method);
    }
    case 'request.path': {
      const m = stringMatcher(c.values);
      return (a) => { path(a); return m(a.path); };
    }
    case 'request.host': {
      // The whole authority, port included, as Istio compares it ("httpbin.com" does not match
      // "httpbin.com:8080"; "httpbin.com:*" does); case-insensitive: the authority is lower-case
      // already and the compiler lower-cased the patterns.
      const m = stringMatcher(c.values);
      return (a) => m(a.req.authority);
    }
    case 'request.header': {
      const m = stringMatcher(c.values);
      const name = c.header;
      return (a) => {
        const v = headerValue(a.req.headers, name);
        return v !== undefined && m(v);
      };
    }
    case 'connection.sni':
      // Weft's sidecars connect to peers by address and send no SNI: the attribute is never present.
      stringMatcher(c.values);
      return never;
    case 'absent':
      stringMatcher(c.values);
      return never;
    case 'destination.port': {
      const set = c.ports;
      return (a) => { port(a, env.ports); return set.includes(a.port); };
    }
    case 'destination.ip': {
      const ok = ipMatcher(c.cidrs)(env.destinationIp, env.destIp4);
      return ok ? always : never;
    }
    case 'source.ip':
    case 'remote.ip': {
      // No x-forwarded-for hop is trusted (Envoy's xff_num_trusted_hops 0), so remote.ip is the peer too.
      const m = ipMatcher(c.cidrs);
      return (a) => { ip(a); return m(a.ip, a.ip4); };
    }
    default: {
      const bad: never = c;
      throw new Error(`unknown authorization attribute ${JSON.stringify((bad as { attribute?: unknown }).attribute)}`);
    }
  }
}

const never: Check = () => false;

/** OR over Istio's pre-split string forms; checks the shapes, so a malformed config fails at build. */
export function stringMatcher(values: readonly AuthzStringMatch[]): Matcher {
  const ms: Matcher[] = values.map((v) => {
    switch (v.kind) {
      case 'exact': { const s = str(v.value); return (x: string) => x === s; }
      case 'prefix': { const s = str(v.value); return (x: string) => x.startsWith(s); }
      case 'suffix': { const s = str(v.value); return (x: string) => x.endsWith(s); }
      case 'present': return (x: string) => x !== '';
      default: throw new Error(`unknown string match ${JSON.stringify(v)}`);
    }
  });
  if (ms.length === 0) throw new Error('an authorization check without values');
  if (ms.length === 1) return ms[0]!;
  // Exact values (the common case: methods, principals) collapse into one set lookup.
  if (values.every((v) => v.kind === 'exact')) {
    const set = new Set(values.map((v) => (v as { value: string }).value));
    return (x) => set.has(x);
  }
  return (x) => {
    for (const m of ms) if (m(x)) return true;
    return false;
  };
}

function str(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`authorization pattern ${JSON.stringify(v)} is not a string`);
  return v;
}

/** IPv4 blocks as [network, mask] pairs compared on 32-bit numbers; IPv6 through a BlockList. */
export function ipMatcher(cidrs: readonly string[]): (ip: string, ip4: number) => boolean {
  const v4: number[] = [];
  let v6: BlockList | null = null;
  for (const cidr of cidrs) {
    const slash = cidr.indexOf('/');
    const addr = slash < 0 ? cidr : cidr.slice(0, slash);
    const bits = slash < 0 ? -1 : Number(cidr.slice(slash + 1));
    const n = ipv4Number(addr);
    if (n >= 0) {
      const len = bits < 0 ? 32 : bits;
      if (!Number.isInteger(len) || len < 0 || len > 32) throw new Error(`invalid CIDR block ${cidr}`);
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      v4.push((n & mask) >>> 0, mask);
      continue;
    }
    v6 ??= new BlockList();
    const len = bits < 0 ? 128 : bits;
    try {
      if (!Number.isInteger(len) || len < 0 || len > 128) throw new Error('prefix');
      v6.addSubnet(addr, len, 'ipv6');
    } catch {
      throw new Error(`invalid IP or CIDR block ${cidr}`);
    }
  }
  const list6 = v6;
  return (ip, ip4) => {
    if (ip4 >= 0) {
      for (let i = 0; i < v4.length; i += 2) if (((ip4 & v4[i + 1]!) >>> 0) === v4[i]) return true;
      return false;
    }
    if (ip === '' || list6 === null) return false;
    return list6.check(ip, 'ipv6');
  };
}

/** An IPv4 address (or an IPv4-mapped IPv6 one) as an unsigned 32-bit number; -1 otherwise. */
export function ipv4Number(address: string): number {
  const s = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (!isIPv4(s)) return -1;
  let n = 0;
  let part = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) { n = n * 256 + part; part = 0; } else part = part * 10 + (c - 48);
  }
  return n * 256 + part;
}

// === lazy attribute readers ===

const SPIFFE = 'spiffe://';

function source(a: Attributes): void {
  if (a.hasSource) return;
  a.hasSource = true;
  const peer = a.req.info.peerIdentity;
  if (peer === a.peer) return;
  a.peer = peer;
  a.principal = peer.startsWith(SPIFFE) ? peer.slice(SPIFFE.length) : peer;
  const ns = a.principal.indexOf('/ns/');
  const end = ns < 0 ? -1 : a.principal.indexOf('/', ns + 4);
  a.namespace = ns < 0 ? '' : a.principal.slice(ns + 4, end < 0 ? undefined : end);
}

function path(a: Attributes): void {
  if (a.hasPath) return;
  a.hasPath = true;
  const p = a.req.path;
  const q = p.indexOf('?');
  a.path = q < 0 ? p : p.slice(0, q);
}

function port(a: Attributes, ports: readonly number[]): void {
  if (a.hasPort) return;
  a.hasPort = true;
  if (ports.length === 1) {
    a.port = ports[0]!;
    return;
  }
  // Several service ports: the one in the authority, when it is one of them; else the first.
  const h = a.req.authority;
  const colon = h.lastIndexOf(':');
  const n = colon > 0 && isDigits(h, colon + 1) ? Number(h.slice(colon + 1)) : -1;
  a.port = ports.includes(n) ? n : ports[0] ?? 0;
}

function ip(a: Attributes): void {
  if (a.hasIp) return;
  a.hasIp = true;
  const addr = a.req.info.downstreamRemoteAddress;
  if (addr !== a.ip) {
    a.ip = addr;
    a.ip4 = ipv4Number(addr);
  }
}

function isDigits(s: string, from: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** All fields named `name` joined with "," (Envoy's view of a repeated header), or undefined. */
function headerValue(headers: readonly string[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) out = out === undefined ? headers[i + 1] : `${out},${headers[i + 1]!}`;
  }
  return out;
}
