/**
 * Issue 5: what Prometheus reads from the control plane. Public (no credential): the metrics and
 * the sidecars' admin addresses reveal no secrets, and Prometheus must reach them.
 *
 *   GET /metrics                 200 the control plane's metrics (Prometheus text format)
 *   GET /v1/prometheus/targets   200 every live sidecar as http_sd_configs target groups (JSON)
 */
import { PROMETHEUS_CONTENT_TYPE } from '../../lib/prometheus-text.ts';
import type { ServiceRegistry } from '../registry/registry.ts';
import { targetGroups } from '../telemetry/scrape-targets.ts';
import { sendJson } from './respond.ts';
import type { Router } from './router.ts';

export const METRICS_PATH = '/metrics';
export const TARGETS_PATH = '/v1/prometheus/targets';

export interface TelemetryRouteDeps {
  readonly registry: ServiceRegistry;
  /** Null: no /metrics route. */
  readonly metrics: { render(): string } | null;
}

export function addTelemetryRoutes(router: Router, deps: TelemetryRouteDeps): void {
  const metrics = deps.metrics;
  if (metrics !== null) {
    router.add('GET', METRICS_PATH, ({ res }) => {
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(metrics.render());
    }, 'public');
  }
  router.add('GET', TARGETS_PATH, ({ res }) => {
    sendJson(res, 200, targetGroups(deps.registry.snapshot().workloads));
  }, 'public');
}
