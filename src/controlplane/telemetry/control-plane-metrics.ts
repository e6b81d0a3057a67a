// The control plane's own metrics (Istio's pilot_* and citadel_* in spirit): connected proxies, pushes and their latency, ACKs and NACKs, config errors, registered workloads, certificates signed; served at /metrics in the Prometheus text format.
import { Histogram, familyHeader, labelSet, sample } from '../../lib/prometheus-text.ts';
import type { PushMetrics } from '../push/server.ts';

/** Seconds from a config change (or a proxy's connect) to the snapshot written to its stream; like pilot_proxy_convergence_time, with finer low bounds for a local mesh. */
export const PUSH_LATENCY_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 5, 10, 20, 30];

/** Read at scrape time, never kept: the registry and push server already hold these. */
export interface ControlPlaneGauges {
  connectedProxies(): number;
  registeredWorkloads(): number;
  registeredServices(): number;
}

export class ControlPlaneMetrics implements PushMetrics {
  pushes = 0;
  readonly pushLatency = new Histogram(PUSH_LATENCY_BUCKETS);
  acks = 0;
  nacks = 0;
  compileErrors = 0;
  readonly applies = { accepted: 0, rejected: 0 };
  readonly deletes = { accepted: 0, rejected: 0 };
  csrSigned = 0;
  csrRejected = 0;
  readonly #gauges: ControlPlaneGauges;
  readonly #version: string;

  constructor(gauges: ControlPlaneGauges, version: string) {
    this.#gauges = gauges;
    this.#version = version;
  }

  pushed(latencyMs: number): void {
    this.pushes++;
    this.pushLatency.observe(latencyMs / 1000);
  }

  acked(accepted: boolean): void {
    if (accepted) this.acks++;
    else this.nacks++;
  }

  compileFailed(): void {
    this.compileErrors++;
  }

  /** A `weft apply` or `weft delete` batch: accepted (stored) or rejected (invalid, nothing stored). */
  mutation(mode: 'apply' | 'delete', accepted: boolean): void {
    const m = mode === 'apply' ? this.applies : this.deletes;
    if (accepted) m.accepted++;
    else m.rejected++;
  }

  csr(signed: boolean): void {
    if (signed) this.csrSigned++;
    else this.csrRejected++;
  }

  render(): string {
    const g = this.#gauges;
    let out = '';
    const gauge = (name: string, help: string, v: number): void => {
      out += familyHeader(name, 'gauge', help) + sample(name, '', v);
    };
    const counter = (name: string, help: string, v: number): void => {
      out += familyHeader(name, 'counter', help) + sample(name, '', v);
    };
    gauge('weft_connected_proxies', 'Sidecars with an open push stream (pilot_xds).', g.connectedProxies());
    gauge('weft_registered_workloads', 'Workloads with a live lease in the registry.', g.registeredWorkloads());
    gauge('weft_registered_services', 'Services known to the registry.', g.registeredServices());
    counter('weft_config_pushes_total', 'Config snapshots written to proxy streams (pilot_xds_pushes).', this.pushes);
    out += familyHeader('weft_config_push_latency_seconds', 'histogram', 'From a config or registry change (or a proxy connecting) to its snapshot written (pilot_proxy_convergence_time).');
    out += this.pushLatency.lines('weft_config_push_latency_seconds');
    counter('weft_config_acks_total', 'Snapshots proxies acknowledged.', this.acks);
    counter('weft_config_nacks_total', 'Snapshots proxies rejected (pilot_total_xds_rejects).', this.nacks);
    counter('weft_config_compile_errors_total', 'Proxy configs that could not be compiled (pilot_xds_push_errors).', this.compileErrors);
    out += familyHeader('weft_config_mutations_total', 'counter', 'weft apply / delete batches by result (rejected: invalid, nothing stored).');
    for (const [op, m] of [['apply', this.applies], ['delete', this.deletes]] as const) {
      out += sample('weft_config_mutations_total', labelSet(['operation', 'result'], [op, 'accepted']), m.accepted);
      out += sample('weft_config_mutations_total', labelSet(['operation', 'result'], [op, 'rejected']), m.rejected);
    }
    counter('weft_csr_signed_total', 'Workload certificates signed (citadel_server_success_cert_issue_count).', this.csrSigned);
    counter('weft_csr_rejected_total', 'Certificate requests refused.', this.csrRejected);
    out += familyHeader('weft_build_info', 'gauge', 'Build of this control plane.');
    out += sample('weft_build_info', labelSet(['component', 'version'], ['control-plane', this.#version]), 1);
    return out;
  }
}

/** The slice of node:http's server and response that observeApi needs. */
interface RequestEvents {
  on(event: 'request', fn: (req: { readonly method?: string | undefined; readonly url?: string | undefined }, res: { readonly statusCode: number; once(event: 'finish', fn: () => void): unknown }) => void): unknown;
}

/**
 * Counts API outcomes from the outside, by status, so no route changes for it: POST /v1/apply and
 * /v1/delete (200 stored, 400 invalid), POST /v1/certificates (200 signed, any 4xx refused).
 */
export function observeApi(server: RequestEvents, m: ControlPlaneMetrics): void {
  server.on('request', (req, res) => {
    if (req.method !== 'POST') return;
    const path = (req.url ?? '').split('?')[0];
    if (path === '/v1/apply' || path === '/v1/delete') {
      const mode = path === '/v1/apply' ? 'apply' : 'delete';
      res.once('finish', () => {
        if (res.statusCode === 200 || res.statusCode === 400) m.mutation(mode, res.statusCode === 200);
      });
    } else if (path === '/v1/certificates') {
      res.once('finish', () => {
        if (res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500)) m.csr(res.statusCode === 200);
      });
    }
  });
}
