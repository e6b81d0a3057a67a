// `weft delete -f`: removes the resources the given YAML names, in one step, kubectl-style.
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { println } from '../io.ts';
import { qualifiedKind } from '../kinds.ts';
import { collect } from '../parse.ts';
import { readSources } from '../sources.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { adminTokenOption, caFileOption, stateDirOption } from '../credentials.ts';
import { reportBatch } from './apply.ts';

export function registerDelete(program: Command, ctx: CliContext): void {
  program
    .command('delete')
    .description('delete the resources named in YAML or JSON files')
    .requiredOption('-f, --filename <path>', 'a file, a directory (its *.yaml, *.yml, *.json, sorted) or - for stdin; repeatable', collect)
    .option('--ignore-not-found', 'a resource that does not exist is not an error')
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
Only kind, metadata.name and metadata.namespace of each document matter.

Examples:
  weft delete -f canary.yaml
  weft delete -f istio/ --ignore-not-found

Output:
  virtualservice.networking.istio.io "order-service" deleted
  Error from server (NotFound): virtualservice.networking.istio.io "x" not found   (exit 4)`)
    .action(ctx.action(async (opts: { filename: string[]; ignoreNotFound?: true }, cmd: Command) => {
      const sources = await readSources(opts.filename, ctx.io.stdin);
      const res = await ctx.client(cmd).delete(sources);
      const code = reportBatch(res, ctx.io, 'delete', sources);
      if (code !== ExitCode.OK) return code;
      const missing = res.results.filter((r) => r.action === 'not-found');
      if (opts.ignoreNotFound === true) return ExitCode.OK;
      for (const r of missing) println(ctx.io.stderr, `Error from server (NotFound): ${qualifiedKind(r.kind)} "${r.name}" not found`);
      return missing.length > 0 ? ExitCode.NOT_FOUND : ExitCode.OK;
    }));
}
