/** Router: maps a method and a path like "/v1/workloads/:namespace/:name/lease" to a handler, its access class and its decoded parameters; 404 and 405 are its answers too. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller, RouteAccess } from '../auth/authenticate.ts';
import { HttpError } from './errors.ts';

export type { Caller, RouteAccess } from '../auth/authenticate.ts';

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /** Who is calling, as the server's authentication established it for the route's access class. */
  readonly caller: Caller;
}

export type Handler = (ctx: RouteContext) => Promise<void> | void;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: Handler;
  readonly access: RouteAccess;
}

export interface Match {
  readonly handler: Handler;
  readonly params: Readonly<Record<string, string>>;
  readonly access: RouteAccess;
}

export class Router {
  readonly #routes: Route[] = [];

  /**
   * `access` says who may call the route (auth/authenticate.ts); the server checks it before the
   * handler runs. A route added without one needs the admin credential: safe by default.
   */
  add(method: string, pattern: string, handler: Handler, access: RouteAccess = 'admin'): this {
    this.#routes.push({ method, segments: split(pattern), handler, access });
    return this;
  }

  /** The matching route, or throws the HttpError to answer with (404 unknown path, 405 wrong method, 400 bad escape). */
  match(method: string, pathname: string): Match {
    const path = split(pathname);
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, path);
      if (params === null) continue;
      if (route.method === method) return { handler: route.handler, params, access: route.access };
      allowed.add(route.method);
    }
    if (allowed.size > 0) {
      const allow = [...allowed].sort().join(', ');
      throw new HttpError(405, 'WEFT_HTTP_METHOD_NOT_ALLOWED', `${method} is not supported on ${pathname}; use ${allow}`, { headers: { allow } });
    }
    throw new HttpError(404, 'WEFT_HTTP_NOT_FOUND', `no such endpoint: ${method} ${pathname}; check that the URL points at a Weft control plane (--control-plane or WEFT_CONTROL_PLANE)`);
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(pattern: readonly string[], path: readonly string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const s = path[i] as string;
    if (p.startsWith(':')) params[p.slice(1)] = decode(s);
    else if (p !== s) return null;
  }
  return params;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', `the URL segment "${segment}" is not valid percent-encoding; encode names with encodeURIComponent`);
  }
}
