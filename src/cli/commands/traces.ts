// `weft traces`: the control plane's recent traces as a table, or one trace as a tree of spans with durations (`weft traces <id>`); -o json for either.
import { Option, type Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { adminTokenOption, caFileOption, stateDirOption } from '../credentials.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { println } from '../io.ts';
import { formatTable } from '../output.ts';
import { traceTree, tracesTable } from '../trace-output.ts';

export function registerTraces(program: Command, ctx: CliContext): void {
  program
    .command('traces')
    .description('list recent traces, or print one as a tree of spans with durations')
    .argument('[trace-id]', 'print this trace (32 hex digits, as listed)')
    .addOption(new Option('-o, --output <format>', 'output format (default: a table, or a tree for one trace)').choices(['json']))
    .option('--service <name>', 'only traces with a span of this service ("order-service" or "order-service.default")')
    .option('--limit <n>', 'at most this many traces (1–1000)', '20')
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
Sidecars record a span for every sampled request (a CLIENT span on the caller's side, a SERVER span
on the callee's) and send them to the control plane, which keeps the most recent traces. Sampling
comes from the mesh config (IstioOperator meshConfig.enableTracing, defaultConfig.tracing.sampling)
and Telemetry resources; see docs/observability.md.

Examples:
  weft traces                                   # the 20 most recent traces
  weft traces --service payment-service
  weft traces 4bf92f3577b34da6a3ce929d0e0e4736  # one trace as a tree
  weft traces 4bf92f3577b34da6a3ce929d0e0e4736 -o json`)
    .action(ctx.action(async (id: string | undefined, opts: { output?: 'json'; service?: string; limit: string }, cmd: Command) => {
      const client = ctx.client(cmd);
      if (id !== undefined) {
        if (!/^[0-9a-fA-F]{32}$/.test(id)) throw new UsageError(`"${id}" is not a trace id: 32 hex digits, as \`weft traces\` lists them`);
        const t = await client.trace(id.toLowerCase());
        if (t === null) {
          println(ctx.io.stderr, `error: no trace ${id} in the control plane (it keeps the most recent traces only; unsampled requests have none)`);
          println(ctx.io.stderr, '  list the ones it holds with `weft traces`');
          return ExitCode.NOT_FOUND;
        }
        println(ctx.io.stdout, opts.output === 'json' ? JSON.stringify(t, null, 2) : traceTree(t));
        return ExitCode.OK;
      }
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be an integer in 1..1000 (got ${opts.limit})`);
      const traces = await client.traces({ limit, ...(opts.service === undefined ? {} : { service: opts.service }) });
      if (opts.output === 'json') {
        println(ctx.io.stdout, JSON.stringify({ traces }, null, 2));
        return ExitCode.OK;
      }
      if (traces.length === 0) {
        println(ctx.io.stderr, 'No traces yet. Tracing is on when the mesh config or a Telemetry resource says so (see `weft traces --help`); then send some requests.');
        return ExitCode.OK;
      }
      const t = tracesTable(traces);
      println(ctx.io.stdout, formatTable(t.headers, t.rows));
      return ExitCode.OK;
    }));
}
