/**
 * Issue 5: the service graph as `GET /v1/graph` returns it and `weft graph -o json` prints it —
 * workloads (app × version, Istio's labels), the services they were called through, and one edge
 * per caller → callee with rates, latency percentiles and mTLS, over the control plane's window.
 */

export type GraphNodeKind = 'workload' | 'service' | 'unknown';

export interface GraphNode {
  /** "workload:<ns>/<app>/<version>", "service:<fqdn>", or "unknown" (callers outside the mesh). */
  readonly id: string;
  readonly kind: GraphNodeKind;
  readonly namespace: string;
  /** Workload: its app; service: its short name; unknown: "unknown". */
  readonly name: string;
  /** Workload: its version label ("unknown" when absent). */
  readonly version?: string;
  /** Service: the versions of the workloads that answered for it in the window. */
  readonly versions?: readonly string[];
  /** Service: its FQDN. */
  readonly fqdn?: string;
  /** Workload: the instances (registered workload names) seen in the window, at most 20. */
  readonly instances?: readonly string[];
}

export interface LatencyPercentiles {
  /** Milliseconds, from the merged histograms; null without requests. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface GraphEdge {
  /** Node ids. The target is a workload, or the service node when no workload answered (no route, no endpoint…). */
  readonly source: string;
  readonly target: string;
  /** The service FQDN the requests were addressed to. */
  readonly service: string;
  readonly requests: number;
  readonly errors: number;
  /** Requests per second over the window. */
  readonly requestRate: number;
  /** errors / requests, 0–1. */
  readonly errorRate: number;
  readonly latencyMs: LatencyPercentiles;
  /** True when every request of the edge in the window went over mesh mTLS. */
  readonly mtls: boolean;
  /** Share of the edge's requests that went over mesh mTLS, 0–100. */
  readonly mtlsPercent: number;
}

export interface ServiceGraph {
  /** The window the graph covers (ms), and how much of it has data (less just after start). */
  readonly windowMs: number;
  readonly coveredMs: number;
  readonly generatedAt: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Edges left out because a bound was reached (sidecar or control plane); 0 normally. */
  readonly droppedEdges: number;
}
