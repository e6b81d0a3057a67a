// `weft apply -f`: sends every source in one request, so that an input with any error changes nothing, and prints kubectl-style results.
import type { Command } from 'commander';
import type { ApplyResponse, SourceText } from '../../controlplane/http-api/types.ts';
import type { ControlPlaneClient } from '../client.ts';
import { ExitCode } from '../exit-codes.ts';
import { println, type Io } from '../io.ts';
import { formatError, formatResult, formatWarning } from '../output.ts';
import { collect } from '../parse.ts';
import { readSources } from '../sources.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { adminTokenOption, caFileOption, stateDirOption } from '../credentials.ts';

export function registerApply(program: Command, ctx: CliContext): void {
  program
    .command('apply')
    .description('create or update Istio resources from YAML or JSON; all or nothing')
    .requiredOption('-f, --filename <path>', 'a file, a directory (its *.yaml, *.yml, *.json, sorted) or - for stdin; repeatable', collect)
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
Every document of every -f is validated together and applied in one step: if any of them
has an error, nothing is applied and each error names its file, line and field.

Examples:
  weft apply -f canary.yaml
  weft apply -f virtual-service.yaml -f destination-rule.yaml
  weft apply -f istio/                        # every *.yaml, *.yml, *.json in it
  cat canary.yaml | weft apply -f -

Output:
  virtualservice.networking.istio.io/order-service created      (or configured, unchanged)
  Warning: canary.yaml:14 spec.http[0].corsPolicy: accepted but not yet enforced
  error: canary.yaml:23:15 spec.http[1].route[1].weight: …      (exit 1, nothing applied)`)
    .action(ctx.action(async (opts: { filename: string[] }, cmd: Command) => {
      const sources = await readSources(opts.filename, ctx.io.stdin);
      return applySources(ctx.client(cmd), sources, ctx.io);
    }));
}

/** The apply path shared by `weft apply` and `weft demo`: one request, then the report. */
export async function applySources(client: ControlPlaneClient, sources: readonly SourceText[], io: Io): Promise<number> {
  const res = await client.apply(sources);
  return reportBatch(res, io, 'apply', sources);
}

/**
 * Prints an ApplyResponse: results on stdout, warnings and errors on stderr, and when anything
 * was rejected, that nothing changed and what to do.
 */
export function reportBatch(res: ApplyResponse, io: Io, verb: 'apply' | 'delete', sources: readonly SourceText[]): number {
  if (res.ok) {
    for (const r of res.results) {
      if (r.action !== 'not-found') println(io.stdout, formatResult(r));
    }
  }
  for (const w of res.warnings) println(io.stderr, formatWarning(w));
  if (res.ok) return ExitCode.OK;
  for (const e of res.errors) println(io.stderr, formatError(e));
  const n = res.errors.length;
  if (n === 0) println(io.stderr, 'error: the control plane rejected the request without naming an error; see its log');
  const files = sources.map((s) => (s.name === '-' ? '-' : s.name)).join(' -f ');
  println(io.stderr, `error: nothing was ${verb === 'apply' ? 'applied' : 'deleted'}: ${n === 1 ? 'fix the error' : `fix the ${n} errors`} above and run \`weft ${verb} -f ${files}\` again`);
  return ExitCode.INVALID_INPUT;
}
