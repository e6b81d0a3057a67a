// The demo's closing view (issue 5): the Prometheus scrape config for this mesh, a trace to look at, and the service graph the sidecars' telemetry drew while the traffic ran.
import { join } from 'node:path';
import type { ControlPlaneClient } from '../cli/client.ts';
import { prometheusConfig } from '../cli/commands/prometheus-config.ts';
import { graphTable } from '../cli/graph-output.ts';
import { formatTable } from '../cli/output.ts';
import { ROOT_CERT_COPY_FILE } from '../controlplane/auth/files.ts';
import type { ServiceGraph } from '../controlplane/telemetry/graph-types.ts';
import type { TraceSummary } from '../controlplane/telemetry/trace-store.ts';

export interface ObservabilityView {
  readonly url: string;
  readonly stateDir: string;
  /** Requests the demo's client sent to api-gateway (the graph should account for them). */
  readonly sent: number;
}

/** Sidecars report every few seconds; the graph is read once it accounts for the traffic, or after this long. */
const GRAPH_WAIT_MS = 8_000;
const GRAPH_POLL_MS = 250;

export async function printObservability(out: (line?: string) => void, client: ControlPlaneClient, v: ObservabilityView): Promise<void> {
  out();
  out('Prometheus: this scrape config finds every sidecar through the control plane (`weft prometheus-config`):');
  for (const line of prometheusConfig({ controlPlane: v.url, scrapeInterval: '15s', caFile: join(v.stateDir, ROOT_CERT_COPY_FILE) }).trimEnd().split('\n')) out(`    ${line}`);
  out();
  const trace = await traceToShow(client);
  if (trace === null) out('Traces: none recorded yet; `weft traces` lists them once sampled requests have ended.');
  else out(`A trace to look at (${trace.spans} spans, ${trace.rootService}): weft traces ${trace.traceId}`);
  out();
  const g = await settledGraph(client, v.sent);
  if (g === null || g.edges.length === 0) {
    out('Service graph: no edges reported yet (sidecars report every few seconds); try `weft graph` while the mesh runs.');
    return;
  }
  out(`Service graph over the last ${Math.round(g.coveredMs / 1000)}s, from what each sidecar saw as the caller (\`weft graph\`; -o dot for Graphviz):`);
  const t = graphTable(g);
  for (const line of formatTable(t.headers, t.rows).split('\n')) out(`    ${line}`);
}

/** The most complete of the latest traces (most spans: the whole api-gateway → order-service → user/payment chain), or null. */
async function traceToShow(client: ControlPlaneClient): Promise<TraceSummary | null> {
  try {
    const traces = await client.traces({ limit: 20 });
    let best: TraceSummary | null = null;
    for (const t of traces) if (best === null || t.spans > best.spans) best = t;
    return best;
  } catch {
    return null;
  }
}

/** The graph once api-gateway's outgoing edges count at least `sent` requests (every call passes through it), or the last one read. */
async function settledGraph(client: ControlPlaneClient, sent: number): Promise<ServiceGraph | null> {
  const deadline = Date.now() + GRAPH_WAIT_MS;
  let last: ServiceGraph | null = null;
  while (Date.now() < deadline) {
    try {
      last = await client.graph();
    } catch {
      return last;
    }
    const fromGateway = last.edges.filter((e) => e.source.includes('/api-gateway/')).reduce((n, e) => n + e.requests, 0);
    if (fromGateway >= sent) return last;
    await new Promise((r) => setTimeout(r, GRAPH_POLL_MS));
  }
  return last;
}
