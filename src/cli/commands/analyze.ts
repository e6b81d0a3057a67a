// `weft analyze -f`: validates files without applying them — against the stored config when a control plane answers, on their own otherwise.
import type { Command } from 'commander';
import type { ApplyResponse, FieldIssue, SourceText } from '../../controlplane/http-api/types.ts';
import type { ControlPlaneClient } from '../client.ts';
import { ControlPlaneUnreachableError } from '../errors.ts';
import { CredentialError } from '../credentials.ts';
import { ExitCode } from '../exit-codes.ts';
import { println, type Io } from '../io.ts';
import { formatError, formatWarning } from '../output.ts';
import { collect } from '../parse.ts';
import { readSources } from '../sources.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { adminTokenOption, caFileOption, stateDirOption } from '../credentials.ts';

export function registerAnalyze(program: Command, ctx: CliContext): void {
  program
    .command('analyze')
    .description('check YAML or JSON files without applying them (exit 0 when valid)')
    .requiredOption('-f, --filename <path>', 'a file, a directory (its *.yaml, *.yml, *.json, sorted) or - for stdin; repeatable', collect)
    .option('--local', 'do not ask the control plane: check the files on their own')
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
With a control plane reachable, the files are checked together with what it stores (a
VirtualService may use subsets of a stored DestinationRule). Without one, or with --local,
they are checked on their own. Nothing is ever applied.

Examples:
  weft analyze -f canary.yaml
  weft analyze -f istio/ --local
  weft analyze -f - < canary.yaml

Exit status: 0 valid (warnings allowed), 1 errors found (each one with file:line:col and field).`)
    .action(ctx.action(async (opts: { filename: string[]; local?: true }, cmd: Command) => {
      const sources = await readSources(opts.filename, ctx.io.stdin);
      return runAnalyze(opts.local === true ? null : ctx.client(cmd), sources, ctx.io);
    }));
}

/** Validates `sources` remotely when `client` answers, locally otherwise, and reports like istioctl analyze. */
export async function runAnalyze(client: ControlPlaneClient | null, sources: readonly SourceText[], io: Io): Promise<number> {
  let res: Pick<ApplyResponse, 'errors' | 'warnings'> | null = null;
  let against = sources.length === 1 ? 'on its own' : 'on their own';
  if (client !== null) {
    try {
      res = await client.analyze(sources);
      against = `with the config stored at ${client.url}`;
    } catch (err) {
      if (err instanceof CredentialError) {
        // Read-only: without the admin credential the files can still be checked on their own.
        println(io.stderr, `note: ${err.message}; checking the files on their own, not against stored config`);
      } else {
        if (!(err instanceof ControlPlaneUnreachableError)) throw err;
        println(io.stderr, `note: no control plane at ${client.url}; checking the files on their own, not against stored config`);
      }
    }
  }
  res ??= await analyzeLocally(sources);
  for (const w of res.warnings) println(io.stderr, formatWarning(w));
  for (const e of res.errors) println(io.stderr, formatError(e));
  const what = sources.length === 1 ? sources[0]!.name : `${sources.length} files`;
  if (res.errors.length === 0) {
    println(io.stdout, `✔ No validation issues found in ${what} (checked ${against}).`);
    return ExitCode.OK;
  }
  const n = res.errors.length;
  println(io.stderr, `error: ${n} ${n === 1 ? 'error' : 'errors'} in ${what}: fix ${n === 1 ? 'it' : 'them'} before \`weft apply\``);
  return ExitCode.INVALID_INPUT;
}

async function analyzeLocally(sources: readonly SourceText[]): Promise<{ errors: readonly FieldIssue[]; warnings: readonly FieldIssue[] }> {
  // Loaded on demand: the API layer (schemas, YAML) is not needed by the other commands.
  const { validateBatch } = await import('../../api/analyze.ts');
  const r = validateBatch([...sources], [], 'apply');
  return { errors: r.errors, warnings: r.warnings };
}
