// `weft graph`: the service graph the control plane computed from its sidecars' telemetry over its window — a table of edges, JSON, or Graphviz DOT.
import { Option, type Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { adminTokenOption, caFileOption, stateDirOption } from '../credentials.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { graphDot, graphTable } from '../graph-output.ts';
import { println } from '../io.ts';
import { formatTable } from '../output.ts';

export function registerGraph(program: Command, ctx: CliContext): void {
  program
    .command('graph')
    .description('show the service graph: who calls whom, request and error rates, p50/p95/p99 latency, mTLS')
    .addOption(new Option('-o, --output <format>', 'output format (default: a table of edges)').choices(['json', 'dot']))
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
Each sidecar reports what it called (Istio's reporter=source) every few seconds; the control plane
keeps the last minute (\`weft control-plane --graph-window\`) and computes the graph from it.
Nodes are workloads (app × version), the services they answer for, and "unknown" for callers
outside the mesh. REQ/S and ERRORS are over the window; ERRORS counts 5xx answers and requests
that got none. P50/P95/P99 come from merged latency histograms (Istio's buckets).

Examples:
  weft graph
  weft graph -o json | jq '.edges[] | select(.errorRate > 0.01)'
  weft graph -o dot | dot -Tsvg > graph.svg`)
    .action(ctx.action(async (opts: { output?: 'json' | 'dot' }, cmd: Command) => {
      const g = await ctx.client(cmd).graph();
      if (opts.output === 'json') {
        println(ctx.io.stdout, JSON.stringify(g, null, 2));
        return ExitCode.OK;
      }
      if (opts.output === 'dot') {
        println(ctx.io.stdout, graphDot(g));
        return ExitCode.OK;
      }
      if (g.edges.length === 0) {
        println(ctx.io.stderr, `No traffic seen in the last ${Math.round(g.windowMs / 1000)}s. Send some requests through the mesh (\`weft demo\` does), then run this again.`);
        return ExitCode.OK;
      }
      const t = graphTable(g);
      println(ctx.io.stdout, formatTable(t.headers, t.rows));
      println(ctx.io.stderr, `over the last ${Math.round(g.coveredMs / 1000)}s${g.droppedEdges > 0 ? `; ${g.droppedEdges} edges left out (bounds reached)` : ''}`);
      return ExitCode.OK;
    }));
}
