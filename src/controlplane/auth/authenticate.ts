/**
 * The one place that authenticates requests to the control plane's API, by the route's access
 * class: `admin` (the admin bearer token; the default of every route), `workload` (a join token,
 * or the mesh client certificate of a sidecar already holding one: the caller is that identity),
 * `proxy` (the mesh client certificate only, whose SPIFFE id must be that of the workload the
 * URL names) and `public`. Refusals are 401 (no or bad credential) or 403 (a good credential for
 * someone else), each logged with what was asked and why.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { formatSpiffeId, parseSpiffeId, type SpiffeId } from '../../model/spiffe.ts';
import { HttpError } from '../http-api/errors.ts';
import type { JoinTokenIssuer } from './join-token.ts';

/** Who may call a route. A route registered without one is `admin`. */
export type RouteAccess = 'admin' | 'workload' | 'proxy' | 'public';

/** Who is calling, as established by authenticate(). */
export type Caller =
  | { readonly kind: 'admin' }
  | { readonly kind: 'workload'; readonly via: 'join-token' | 'certificate'; readonly namespace: string; readonly serviceAccount: string; readonly spiffeId: string }
  | { readonly kind: 'anonymous' };

export interface AuthenticatorOptions {
  readonly adminToken: string;
  readonly joinTokens: JoinTokenIssuer;
  readonly trustDomain: string;
  /** The registered workload `namespace/name`, to check a proxy route's caller against. */
  readonly workload: (namespace: string, name: string) => { readonly namespace: string; readonly serviceAccount: string } | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

const HOW_ADMIN = 'send "Authorization: Bearer <admin token>": the token is in the control plane\'s state directory (file admin-token, readable by its owner); the weft CLI reads it from there or from --token / WEFT_TOKEN';
const HOW_WORKLOAD = 'send "Authorization: Bearer <join token>" (`weft token create --namespace <ns> --service-account <sa>`, admin only) or the workload\'s mesh client certificate';
const HOW_PROXY = 'present the workload\'s mesh client certificate (from POST /v1/certificates) on the TLS connection';

export class Authenticator {
  readonly #o: AuthenticatorOptions;
  readonly #adminDigest: Buffer;

  constructor(o: AuthenticatorOptions) {
    this.#o = o;
    this.#adminDigest = digest(o.adminToken);
  }

  /** The caller of `req` on a route of class `access` with URL parameters `params`; throws the HttpError to answer with. */
  authenticate(access: RouteAccess, req: IncomingMessage, params: Readonly<Record<string, string>>): Caller {
    switch (access) {
      case 'public':
        return { kind: 'anonymous' };
      case 'admin':
        return this.#admin(req);
      case 'workload':
        return this.#workload(req);
      case 'proxy':
        return this.#proxy(req, params);
    }
  }

  /** Logs a refusal of `what` by `caller` with the reason, and returns the 403 to throw (for checks made in handlers, e.g. a CSR's identity). */
  forbidden(req: IncomingMessage, caller: Caller, reason: string): HttpError {
    return this.#refuse(req, 403, 'WEFT_AUTH_FORBIDDEN', reason, describe(caller));
  }

  #admin(req: IncomingMessage): Caller {
    const token = bearer(req);
    if (token === null) throw this.#refuse(req, 401, 'WEFT_AUTH_REQUIRED', `this endpoint needs the admin credential; ${HOW_ADMIN}`, 'no credential');
    if (!timingSafeEqual(digest(token), this.#adminDigest)) {
      const what = token.startsWith('weft-join.') ? 'a join token' : 'a wrong admin token';
      throw this.#refuse(req, 401, 'WEFT_AUTH_INVALID', `the bearer token is not this control plane's admin token (${what}); ${HOW_ADMIN}`, what);
    }
    return { kind: 'admin' };
  }

  #workload(req: IncomingMessage): Caller {
    const cert = this.#peerIdentity(req);
    if (cert.id !== null) return workloadCaller(cert.id, 'certificate');
    const token = bearer(req);
    if (token === null) {
      const why = cert.problem === null ? 'no credential' : `no join token, and ${cert.problem}`;
      throw this.#refuse(req, 401, 'WEFT_AUTH_REQUIRED', `this endpoint needs a workload credential (${why}); ${HOW_WORKLOAD}`, why);
    }
    const check = this.#o.joinTokens.verify(token, this.#o.clock.now());
    if (!check.ok) throw this.#refuse(req, 401, 'WEFT_AUTH_INVALID', `${check.reason}; ${HOW_WORKLOAD}`, 'a join token');
    const { namespace, serviceAccount } = check.claims;
    return workloadCaller({ trustDomain: this.#o.trustDomain, namespace, serviceAccount }, 'join-token');
  }

  #proxy(req: IncomingMessage, params: Readonly<Record<string, string>>): Caller {
    const cert = this.#peerIdentity(req);
    if (cert.id === null) throw this.#refuse(req, 401, 'WEFT_AUTH_REQUIRED', `this endpoint needs the workload's mesh client certificate (${cert.problem ?? 'none was presented'}); ${HOW_PROXY}`, 'no client certificate');
    const caller = workloadCaller(cert.id, 'certificate');
    const target = workloadOf(params);
    if (target === null) return caller;
    const registered = this.#o.workload(target.namespace, target.name);
    // An unregistered workload gets the handler's 404 (register again), but never across namespaces.
    const expected = registered ?? { namespace: target.namespace, serviceAccount: null };
    if (cert.id.namespace !== expected.namespace || (expected.serviceAccount !== null && cert.id.serviceAccount !== expected.serviceAccount)) {
      const want = expected.serviceAccount === null ? `namespace ${expected.namespace}` : formatSpiffeId({ trustDomain: this.#o.trustDomain, namespace: expected.namespace, serviceAccount: expected.serviceAccount });
      throw this.forbidden(req, caller, `workload ${target.namespace}/${target.name} belongs to ${want}; the client certificate is ${caller.kind === 'workload' ? caller.spiffeId : '?'}`);
    }
    return caller;
  }

  /** The SPIFFE id of a verified mesh client certificate on this connection, or why there is none. */
  #peerIdentity(req: IncomingMessage): { id: SpiffeId | null; problem: string | null } {
    const socket = req.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function') return { id: null, problem: 'the connection is not TLS' };
    const cert = socket.getPeerCertificate();
    if (cert === null || Object.keys(cert).length === 0) return { id: null, problem: null };
    if (socket.authorized !== true) return { id: null, problem: `the client certificate was refused (${String(socket.authorizationError ?? 'not signed by the mesh root')})` };
    const uris = (cert.subjectaltname ?? '').split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
    if (uris.length !== 1) return { id: null, problem: 'the client certificate does not carry exactly one SPIFFE id' };
    const parsed = parseSpiffeId(uris[0] as string);
    if (!parsed.ok) return { id: null, problem: `the client certificate's SPIFFE id is invalid: ${parsed.reason}` };
    if (parsed.id.trustDomain !== this.#o.trustDomain) return { id: null, problem: `the client certificate is for trust domain ${parsed.id.trustDomain}, not ${this.#o.trustDomain}` };
    return { id: parsed.id, problem: null };
  }

  #refuse(req: IncomingMessage, status: 401 | 403, code: string, message: string, who: string): HttpError {
    this.#o.logger.warn({ method: req.method, path: req.url, remote: req.socket.remoteAddress, caller: who, status, code, reason: message }, `refused ${req.method ?? '?'} ${req.url ?? '?'} from ${who}: ${message}`);
    return new HttpError(status, code, message, status === 401 ? { headers: { 'www-authenticate': 'Bearer realm="weft"' } } : undefined);
  }
}

function workloadCaller(id: SpiffeId, via: 'join-token' | 'certificate'): Caller {
  return { kind: 'workload', via, namespace: id.namespace, serviceAccount: id.serviceAccount, spiffeId: formatSpiffeId(id) };
}

function describe(caller: Caller): string {
  if (caller.kind === 'workload') return `${caller.spiffeId} (by ${caller.via})`;
  return caller.kind;
}

/** The workload a proxy route's URL names: `:namespace/:name`, or `:id` ("<workload>.<namespace>"; names have no dots). */
function workloadOf(params: Readonly<Record<string, string>>): { namespace: string; name: string } | null {
  if (params.namespace !== undefined && params.name !== undefined) return { namespace: params.namespace, name: params.name };
  if (params.id !== undefined) {
    const dot = params.id.indexOf('.');
    return dot < 0 ? { namespace: '', name: params.id } : { namespace: params.id.slice(dot + 1), name: params.id.slice(0, dot) };
  }
  return null;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(h);
  return m === null ? null : (m[1] as string);
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
