/**
 * The control plane's API server: one HTTPS server (mTLS offered, not required) carrying both the
 * proxy protocol and the CLI API. Every request is authenticated by its route's access class
 * (auth/authenticate.ts) before its handler runs, gets exactly one answer, and every failure
 * becomes an ErrorBody there.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { Authenticator } from '../auth/authenticate.ts';
import type { JoinTokenIssuer } from '../auth/join-token.ts';
import { DEFAULT_MAX_BODY_BYTES } from './body.ts';
import { addCliRoutes, type CliRouteDeps } from './cli-routes.ts';
import { addProxyRoutes, type ProxyRouteDeps } from './proxy-routes.ts';
import { sendError } from './respond.ts';
import { Router } from './router.ts';
import { addTelemetryRoutes, type TelemetryRouteDeps } from './telemetry-routes.ts';
import { addTokenRoutes } from './token-routes.ts';
import { addTraceRoutes } from './trace-routes.ts';

/** The server's TLS material: its certificate chain and key, and the roots client certificates must chain to. */
export interface ApiServerTls {
  readonly certChainPem: string;
  readonly keyPem: string;
  readonly clientCaPem: string;
}

export interface ApiServerDeps extends Omit<CliRouteDeps, 'maxBodyBytes'>, Omit<ProxyRouteDeps, 'maxBodyBytes'> {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Request bodies above this answer 413 (default 4 MiB). */
  readonly maxBodyBytes?: number;
  readonly tls: ApiServerTls;
  readonly joinTokens: JoinTokenIssuer;
  readonly auth: Authenticator;
  /** Issue 5: the control plane's metrics for GET /metrics (public, like the scrape targets); absent: no /metrics. */
  readonly metrics?: TelemetryRouteDeps['metrics'];
}

export function createApiServer(deps: ApiServerDeps): Server {
  const logger = deps.logger ?? silentLogger;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const router = new Router();
  addProxyRoutes(router, { ...deps, maxBodyBytes });
  addCliRoutes(router, { ...deps, maxBodyBytes });
  addTelemetryRoutes(router, { registry: deps.registry, metrics: deps.metrics ?? null });
  if (deps.traces !== undefined) addTraceRoutes(router, { traces: deps.traces }); // issue 5
  addTokenRoutes(router, { joinTokens: deps.joinTokens, rootCertPem: deps.tls.clientCaPem, trustDomain: deps.ca.trustDomain, clock: deps.clock ?? systemClock, logger, maxBodyBytes });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://control-plane');
    try {
      const { handler, params, access } = router.match(req.method ?? 'GET', url.pathname);
      const caller = deps.auth.authenticate(access, req, params);
      await handler({ req, res, url, params, caller });
    } catch (err) {
      // A body left unread (413, a refusal, an error before reading) cannot be skipped safely on a kept-alive connection.
      const status = sendError(res, err, !req.complete);
      if (status >= 500) logger.error({ err, method: req.method, path: url.pathname }, 'request failed');
      else logger.debug({ method: req.method, path: url.pathname, status, code: (err as { code?: string }).code }, 'request refused');
    }
  };

  return createServer({
    keepAliveTimeout: 30_000,
    cert: deps.tls.certChainPem,
    key: deps.tls.keyPem,
    // Client certificates are asked for and verified against the mesh roots, but not required at
    // the handshake: the CLI has none; the route's access class decides (auth/authenticate.ts).
    requestCert: true,
    rejectUnauthorized: false,
    ca: deps.tls.clientCaPem,
    minVersion: 'TLSv1.2',
  }, (req, res) => {
    void handle(req, res);
  });
}
