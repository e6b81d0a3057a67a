/**
 * The sidecar's admin endpoint (Envoy's admin in spirit), on loopback: /ready (200 once the sidecar
 * holds a certificate and a config), /config_dump (the ProxyConfig it serves, the last rejected
 * version, certificate facts — never the private key), /memory (resident memory by V8 space),
 * /stats/prometheus (Istio's standard metrics in the Prometheus text format, issue 5), /certs
 * (the workload certificate chain, trust bundle, renewal and peers seen, like Envoy's /certs; issue 4).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getHeapSpaceStatistics } from 'node:v8';
import { PROMETHEUS_CONTENT_TYPE } from '../../lib/prometheus-text.ts';

export interface AdminSources {
  ready(): boolean;
  configDump(): unknown;
  /** The metrics text for /stats/prometheus; absent: 404 (issue 5). */
  prometheus?(): string;
  /** Issue 4: the workload certificate in service (chain, trust bundle, renewal, peers seen) for /certs; never the key. */
  certs?(): unknown;
}

export async function startAdminServer(host: string, port: number, src: AdminSources): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    switch (path) {
      case '/ready': {
        const ok = src.ready();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'LIVE\n' : 'NOT READY\n');
        return;
      }
      case '/memory': {
        // Envoy's /memory in spirit: where the process's resident memory goes.
        const spaces = Object.fromEntries(getHeapSpaceStatistics().map((sp) => [sp.space_name, { size: sp.space_size, used: sp.space_used_size }]));
        res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify({ ...process.memoryUsage(), heapSpaces: spaces }, null, 2)}\n`);
        return;
      }
      case '/stats/prometheus':
        if (src.prometheus === undefined) break;
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(src.prometheus());
        return;
      case '/certs': {
        let body: unknown;
        try {
          body = src.certs?.() ?? null;
        } catch {
          body = null; // no certificate yet
        }
        res.writeHead(body === null ? 503 : 200, { 'content-type': 'application/json' }).end(`${JSON.stringify(body ?? { error: 'no certificate yet' }, null, 2)}\n`);
        return;
      }
      case '/config_dump':
        res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(src.configDump(), null, 2)}\n`);
        return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('admin endpoints: /ready /config_dump /certs /memory /stats/prometheus\n');
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function portOf(server: { address(): AddressInfo | string | null }): number {
  const a = server.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}
