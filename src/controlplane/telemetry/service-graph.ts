// The service graph from the window's merged edges: workload, service and "unknown" nodes, and one edge per caller → callee with rates, error rate, p50/p95/p99 and mTLS (Kiali's versioned-app graph, computed from what the sidecars saw as sources).
import type { EdgeEnd, WindowSnapshot } from './edge-window.ts';
import { nodeKey } from './edge-window.ts';
import type { GraphEdge, GraphNode, ServiceGraph } from './graph-types.ts';
import { quantile } from './latency.ts';

export const UNKNOWN_NODE = 'unknown';
const SVC_SUFFIX = '.svc.cluster.local';

export function buildServiceGraph(w: WindowSnapshot): ServiceGraph {
  const nodes = new Map<string, GraphNode>();
  const serviceVersions = new Map<string, Set<string>>();
  const seconds = w.coveredMs / 1000;

  const workloadNode = (e: EdgeEnd): string => {
    const id = `workload:${nodeKey(e)}`;
    if (!nodes.has(id)) {
      const instances = w.instances.get(nodeKey(e));
      nodes.set(id, { id, kind: 'workload', namespace: e.namespace, name: e.app, version: e.version, ...(instances === undefined ? {} : { instances }) });
    }
    return id;
  };
  const serviceNode = (fqdn: string): string => {
    const id = `service:${fqdn}`;
    if (!serviceVersions.has(fqdn)) serviceVersions.set(fqdn, new Set());
    return id;
  };

  const edges: GraphEdge[] = [];
  for (const e of w.edges) {
    if (e.requests === 0) continue;
    let source = UNKNOWN_NODE;
    if (e.source === null) {
      nodes.set(UNKNOWN_NODE, { id: UNKNOWN_NODE, kind: 'unknown', namespace: '', name: 'unknown' });
    } else {
      source = workloadNode(e.source);
    }
    const svc = serviceNode(e.service);
    let target = svc;
    if (e.destination !== null) {
      target = workloadNode(e.destination);
      serviceVersions.get(e.service)!.add(e.destination.version);
    }
    edges.push({
      source,
      target,
      service: e.service,
      requests: e.requests,
      errors: e.errors,
      requestRate: round(e.requests / seconds, 3),
      errorRate: round(e.errors / e.requests, 4),
      latencyMs: { p50: ms(quantile(e.buckets, 0.5)), p95: ms(quantile(e.buckets, 0.95)), p99: ms(quantile(e.buckets, 0.99)) },
      mtls: e.mtlsRequests === e.requests,
      mtlsPercent: round((100 * e.mtlsRequests) / e.requests, 1),
    });
  }
  for (const [fqdn, versions] of serviceVersions) {
    const { name, namespace } = splitFqdn(fqdn);
    nodes.set(`service:${fqdn}`, { id: `service:${fqdn}`, kind: 'service', namespace, name, fqdn, versions: [...versions].sort() });
  }
  edges.sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target) || a.service.localeCompare(b.service));
  return {
    windowMs: w.windowMs,
    coveredMs: Math.round(w.coveredMs),
    generatedAt: new Date(w.at).toISOString(),
    nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    edges,
    droppedEdges: w.droppedEdges,
  };
}

function splitFqdn(fqdn: string): { name: string; namespace: string } {
  if (fqdn.endsWith(SVC_SUFFIX)) {
    const [name, namespace] = fqdn.slice(0, -SVC_SUFFIX.length).split('.');
    if (name !== undefined && namespace !== undefined) return { name, namespace };
  }
  return { name: fqdn, namespace: '' };
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;
const ms = (v: number | null): number | null => (v === null ? null : round(v, 2));
