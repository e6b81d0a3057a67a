// How `weft graph` prints the service graph: a table of edges (kubectl style), or Graphviz DOT with workloads grouped by the service they answer for.
import type { GraphEdge, GraphNode, ServiceGraph } from '../controlplane/telemetry/graph-types.ts';
import type { Table } from './tables.ts';

/** "order-service v1", "user-service" (a service node), "unknown". */
export function nodeLabel(n: GraphNode | undefined, id: string): string {
  if (n === undefined) return id;
  if (n.kind === 'workload') return n.version === undefined || n.version === 'unknown' ? n.name : `${n.name} ${n.version}`;
  return n.name;
}

export function graphTable(g: ServiceGraph): Table {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  return {
    headers: ['SOURCE', 'DESTINATION', 'SERVICE', 'REQ/S', 'ERRORS', 'P50', 'P95', 'P99', 'MTLS'],
    rows: g.edges.map((e) => [
      nodeLabel(byId.get(e.source), e.source),
      nodeLabel(byId.get(e.target), e.target),
      shortService(e.service),
      e.requestRate.toFixed(e.requestRate >= 10 ? 1 : 2),
      `${(e.errorRate * 100).toFixed(1)}%`,
      latency(e.latencyMs.p50),
      latency(e.latencyMs.p95),
      latency(e.latencyMs.p99),
      mtlsText(e),
    ]),
  };
}

/** The graph in Graphviz DOT: `weft graph -o dot | dot -Tsvg > graph.svg`. */
export function graphDot(g: ServiceGraph): string {
  const out: string[] = ['digraph weft {', '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  const services = g.nodes.filter((n) => n.kind === 'service');
  const workloads = g.nodes.filter((n) => n.kind === 'workload');
  const grouped = new Set<string>();
  // A service's workloads (the versions that answered for it) sit in one box labelled with the service.
  services.forEach((s, i) => {
    const members = workloads.filter((w) => w.namespace === s.namespace && w.name === s.name);
    out.push(`  subgraph cluster_${i} {`, `    label=${q(s.fqdn ?? s.name)}; style=dashed;`);
    out.push(`    ${q(s.id)} [label=${q(s.name)}, shape=ellipse];`);
    for (const w of members) {
      out.push(`    ${q(w.id)} [label=${q(nodeLabel(w, w.id))}];`);
      grouped.add(w.id);
    }
    out.push('  }');
  });
  for (const n of g.nodes) {
    if (n.kind === 'service' || grouped.has(n.id)) continue;
    out.push(`  ${q(n.id)} [label=${q(nodeLabel(n, n.id))}${n.kind === 'unknown' ? ', shape=plaintext' : ''}];`);
  }
  for (const e of g.edges) {
    const label = `${e.requestRate.toFixed(2)} rps\\n${(e.errorRate * 100).toFixed(1)}% err\\np95 ${latency(e.latencyMs.p95)}${e.mtls ? '\\nmTLS' : ''}`;
    const color = e.errorRate >= 0.1 ? 'red' : e.errorRate > 0 ? 'orange' : 'darkgreen';
    out.push(`  ${q(e.source)} -> ${q(e.target)} [label=${q(label)}, color=${color}${e.mtls ? '' : ', style=dashed'}];`);
  }
  out.push('}');
  return out.join('\n');
}

function mtlsText(e: GraphEdge): string {
  if (e.mtls) return 'yes';
  return e.mtlsPercent > 0 ? `partly (${e.mtlsPercent}%)` : 'no';
}

function latency(ms: number | null): string {
  if (ms === null) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  return ms >= 10 ? `${Math.round(ms)}ms` : `${ms.toFixed(1)}ms`;
}

const shortService = (fqdn: string): string => (fqdn.endsWith('.svc.cluster.local') ? fqdn.slice(0, -'.svc.cluster.local'.length) : fqdn);

/** A DOT ID in double quotes (backslash escapes kept: they are DOT's own, like \n in labels). */
function q(s: string): string {
  return `"${s.replaceAll('"', '\\"')}"`;
}
