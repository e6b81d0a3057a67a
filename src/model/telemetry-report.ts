/**
 * Issue 5 (service graph): the report a sidecar sends its control plane every few seconds with
 * what it saw as the source of requests (Istio's reporter=source), one entry per edge, and the
 * latency buckets both sides agree on.
 *
 *   POST /v1/proxies/:id/telemetry   TelemetryReport → 200 TelemetryReportAck | 400 | 404 WEFT_PROXY_UNKNOWN
 */

/**
 * Upper bounds (ms) of the latency histogram buckets, Istio's for
 * istio_request_duration_milliseconds; a last, implicit bucket holds everything above (+Inf).
 */
export const LATENCY_BUCKETS_MS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

/** Index of the bucket a duration falls in: the first whose bound is ≥ ms, or LATENCY_BUCKETS_MS.length (+Inf). */
export function latencyBucket(ms: number): number {
  const b = LATENCY_BUCKETS_MS;
  let i = 0;
  // Nineteen bounds, most requests in the first few: a linear scan ends early.
  while (i < b.length && ms > b[i]!) i++;
  return i;
}

/** A workload as the graph names it: Istio's app and version labels ("unknown" when absent), and the instance. */
export interface WorkloadRef {
  readonly namespace: string;
  /** Instance name ("order-service-v1-k3x9"). */
  readonly workload: string;
  /** The `app` label, else the service. */
  readonly app: string;
  /** The `version` label, "unknown" when absent. */
  readonly version: string;
}

export interface EdgeReport {
  /** The calling workload; null: a caller outside the mesh (no sidecar), the graph's "unknown" node. */
  readonly source: WorkloadRef | null;
  /** Destination service FQDN ("user-service.default.svc.cluster.local"), or the request's host when no route matched. */
  readonly destinationService: string;
  /** The workload that answered; null when the request never reached one (no route, no healthy endpoint, overflow…). */
  readonly destination: WorkloadRef | null;
  /** Whether the requests went over mesh mTLS. */
  readonly mtls: boolean;
  readonly requests: number;
  /** Responses with status ≥ 500, and requests that got no response at all. */
  readonly errors: number;
  /** Requests per latency bucket (LATENCY_BUCKETS_MS, then +Inf); trailing empty buckets left out. */
  readonly latencyBuckets: readonly number[];
  readonly latencySumMs: number;
}

export interface TelemetryReport {
  /** How long this report covers (ms since the previous one, by the sidecar's clock). */
  readonly intervalMs: number;
  readonly edges: readonly EdgeReport[];
  /** Edges left out of this report because the sidecar's per-interval bound was reached. */
  readonly droppedEdges: number;
}

/** The control plane's answer: when to send the next report. */
export interface TelemetryReportAck {
  readonly intervalMs: number;
}
