// The environment that routes an unmodified app through its sidecar in proxy-env mode: PORT to listen on, HTTP_PROXY to call through.

export interface ProxyEnvParams {
  /** Where the app must listen (it reads PORT). */
  readonly appPort: number;
  /** The sidecar's outbound listener on 127.0.0.1. */
  readonly outboundPort: number;
}

/** Loopback stays direct: the app's own health checks and local tools must not loop through the mesh. */
export const NO_PROXY_LOOPBACK = 'localhost,127.0.0.1,::1';

/**
 * `base` plus the proxy variables, in both spellings because clients disagree (curl reads only
 * the lower-case http_proxy; Go and Node read either). NODE_USE_ENV_PROXY=1 makes Node's fetch and
 * http honour them (Node ≥ 24.5).
 */
export function proxyEnv(base: Readonly<Record<string, string | undefined>>, p: ProxyEnvParams): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  const proxy = `http://127.0.0.1:${p.outboundPort}`;
  env.PORT = String(p.appPort);
  env.HTTP_PROXY = proxy;
  env.http_proxy = proxy;
  env.NO_PROXY = NO_PROXY_LOOPBACK;
  env.no_proxy = NO_PROXY_LOOPBACK;
  env.NODE_USE_ENV_PROXY = '1';
  return env;
}
