/**
 * Proxy error classes: each carries the HTTP status and the Envoy response flag of the local reply
 * it becomes. rescue.ts is the one place that turns them into responses.
 */
import { WeftError } from '../lib/errors.ts';

export abstract class ProxyError extends WeftError {
  abstract readonly status: number;
  abstract readonly flag: string;
  /** Extra response fields of the local reply (flat [name, value, …], lower-case names). */
  readonly headers: readonly string[] = [];
  /** The local reply's body when Envoy fixes it (RBAC's "RBAC: access denied"); null: the message and a newline. */
  readonly body: string | null = null;
}

/** No virtual host or route matched the request (Envoy NR → 404). */
export class NoRouteError extends ProxyError {
  readonly status = 404;
  readonly flag = 'NR';
  constructor(message: string) { super('WEFT_NO_ROUTE', message); }
}

/** The chosen cluster has no endpoint to send to (Envoy UH → 503). */
export class NoHealthyUpstreamError extends ProxyError {
  readonly status = 503;
  readonly flag = 'UH';
  constructor(cluster: string) { super('WEFT_NO_HEALTHY_UPSTREAM', `no healthy upstream in cluster ${cluster}`); }
}

/** Connecting (TCP or TLS handshake) to the upstream failed (Envoy UF → 503). */
export class UpstreamConnectError extends ProxyError {
  readonly status = 503;
  readonly flag = 'UF';
  constructor(endpoint: string, cause: unknown) {
    super('WEFT_UPSTREAM_CONNECT', `upstream connect error to ${endpoint}: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** The upstream connection was reset or closed before a complete response head (Envoy UC → 503). */
export class UpstreamResetError extends ProxyError {
  readonly status = 503;
  readonly flag = 'UC';
  constructor(endpoint: string, cause?: unknown) {
    super('WEFT_UPSTREAM_RESET', `upstream connection to ${endpoint} closed before the response headers`, { cause });
  }
}

/** The upstream sent bytes that are not valid HTTP/1.1 (Envoy UPE → 502). */
export class UpstreamProtocolError extends ProxyError {
  readonly status = 502;
  readonly flag = 'UPE';
  constructor(message: string) { super('WEFT_UPSTREAM_PROTOCOL', message); }
}

/** The downstream request is malformed (Envoy DPE → 400, or 431 for oversized headers). */
export class DownstreamProtocolError extends ProxyError {
  readonly status: number;
  readonly flag = 'DPE';
  constructor(message: string, status = 400) {
    super('WEFT_DOWNSTREAM_PROTOCOL', message);
    this.status = status;
  }
}

/** The proxy has no configuration yet (Envoy NC → 503 before the first snapshot). */
export class NotReadyError extends ProxyError {
  readonly status = 503;
  readonly flag = 'NC';
  constructor() { super('WEFT_PROXY_NOT_READY', 'the sidecar has not received its configuration yet'); }
}

/** The route timeout (or an attempt's per-try timeout, once no retry is left) expired (Envoy UT → 504). */
export class UpstreamTimeoutError extends ProxyError {
  readonly status = 504;
  readonly flag = 'UT';
  constructor(timeoutMs: number, what = 'upstream request timeout') {
    super('WEFT_UPSTREAM_TIMEOUT', `${what} after ${timeoutMs} ms`);
  }
}

/** A circuit-breaker threshold of the cluster is reached (Envoy UO → 503, with x-envoy-overloaded). */
export class OverflowError extends ProxyError {
  readonly status = 503;
  readonly flag = 'UO';
  override readonly headers = ['x-envoy-overloaded', 'true'];
  constructor(cluster: string, limit: string) {
    super('WEFT_UPSTREAM_OVERFLOW', `upstream overflow: ${limit} of cluster ${cluster} reached (circuit breaker)`);
  }
}

/** The local rate limit refused the request (Envoy RL → 429). */
export class RateLimitedError extends ProxyError {
  readonly status = 429;
  readonly flag = 'RL';
  override readonly headers: readonly string[];
  constructor(headers: readonly string[] = []) {
    super('WEFT_RATE_LIMITED', 'local_rate_limited');
    this.headers = headers;
  }
}

/** Fault injection answered the request itself (Envoy FI); never retried. */
export class FaultAbortError extends ProxyError {
  readonly status: number;
  readonly flag = 'FI';
  constructor(status: number) {
    super('WEFT_FAULT_ABORT', 'fault filter abort');
    this.status = status;
  }
}

/** The downstream closed before the response: the attempt is abandoned (Envoy DC; no one reads the reply). */
export class DownstreamGoneError extends ProxyError {
  readonly status = 499;
  readonly flag = 'DC';
  constructor() { super('WEFT_DOWNSTREAM_GONE', 'the downstream connection closed before the response'); }
}

/**
 * Authorization refused the request (issue 4, Envoy's RBAC filter → 403 with its fixed body).
 * The message is Envoy's response_code_details, naming the DENY policy rule that matched
 * ("rbac_access_denied_matched_policy[ns[default]-policy[deny-admin]-rule[0]]"), or "[none]" when
 * ALLOW policies apply and none matched. Envoy sets no response flag for it; Weft says RBAC.
 */
export class AccessDeniedError extends ProxyError {
  readonly status = 403;
  readonly flag = 'RBAC';
  override readonly body = 'RBAC: access denied';
  /** "ns[default]-policy[deny-admin]-rule[0]" or "none". */
  readonly policy: string;
  constructor(policy: string) {
    super('WEFT_RBAC_ACCESS_DENIED', `rbac_access_denied_matched_policy[${policy}]`);
    this.policy = policy;
  }
}
