/**
 * The control plane's HTTP server: one node:http server carrying both the proxy protocol and the
 * CLI API. Every request gets exactly one answer; every failure becomes an ErrorBody there.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { DEFAULT_MAX_BODY_BYTES } from './body.ts';
import { addCliRoutes, type CliRouteDeps } from './cli-routes.ts';
import { addProxyRoutes, type ProxyRouteDeps } from './proxy-routes.ts';
import { sendError } from './respond.ts';
import { Router } from './router.ts';

export interface ApiServerDeps extends Omit<CliRouteDeps, 'maxBodyBytes'>, Omit<ProxyRouteDeps, 'maxBodyBytes'> {
  readonly logger?: Logger;
  /** Request bodies above this answer 413 (default 4 MiB). */
  readonly maxBodyBytes?: number;
}

export function createApiServer(deps: ApiServerDeps): Server {
  const logger = deps.logger ?? silentLogger;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const router = new Router();
  addProxyRoutes(router, { ...deps, maxBodyBytes });
  addCliRoutes(router, { ...deps, maxBodyBytes });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://control-plane');
    try {
      const { handler, params } = router.match(req.method ?? 'GET', url.pathname);
      await handler({ req, res, url, params });
    } catch (err) {
      // A body left unread (413, or an error before reading) cannot be skipped safely on a kept-alive connection.
      const status = sendError(res, err, !req.complete);
      if (status >= 500) logger.error({ err, method: req.method, path: url.pathname }, 'request failed');
      else logger.debug({ method: req.method, path: url.pathname, status, code: (err as { code?: string }).code }, 'request refused');
    }
  };

  return createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    void handle(req, res);
  });
}
