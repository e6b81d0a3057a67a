// The `weft` command tree (commander): global options, one registration per verb, and the mapping of every failure to an exit code.
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { ControlPlaneClient, controlPlaneUrl } from './client.ts';
import { controlPlaneOption, type CliContext } from './context.ts';
import { adminToken, adminTokenOption, caFileOption, caPem, stateDirOption, type CredentialFlags } from './credentials.ts';
import { CliError } from './errors.ts';
import { ExitCode } from './exit-codes.ts';
import { println, type Io } from './io.ts';
import { registerAnalyze } from './commands/analyze.ts';
import { registerApply } from './commands/apply.ts';
import { registerControlPlane } from './commands/control-plane.ts';
import { registerDelete } from './commands/delete.ts';
import { registerDemo } from './commands/demo.ts';
import { registerGet } from './commands/get.ts';
import { registerGraph } from './commands/graph.ts';
import { registerTraces } from './commands/traces.ts';
import { registerProxy } from './commands/proxy.ts';
import { registerPrometheusConfig } from './commands/prometheus-config.ts';
import { registerProxyStatus } from './commands/proxy-status.ts';
import { registerProxyConfig } from './commands/proxy-config.ts';
import { registerRun } from './commands/run.ts';
import { registerToken } from './commands/token.ts';

export const VERSION: string = pkg.version;

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('weft')
    .description('Weft: a service mesh configured with Istio\'s YAML — sidecar, control plane and CLI.')
    .version(VERSION, '--version', 'print the version')
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    // Options of `weft` itself come before the verb, so that a verb may have its own --version
    // (`weft run --version v2`); the verbs that talk to the control plane accept --control-plane too.
    .enablePositionalOptions()
    .helpCommand('help [command]', 'show help for a command')
    .showHelpAfterError('(add --help for usage and examples)')
    .configureOutput({
      writeOut: (s) => { ctx.io.stdout.write(s); },
      writeErr: (s) => { ctx.io.stderr.write(s); },
    })
    .exitOverride();
  program.addHelpText('after', `
Examples:
  weft demo                                   # the canary of the seed, end to end
  weft control-plane                          # run a control plane in the foreground
  weft run --service user-service --version v2 --port 8080 -- node user.js
  weft apply -f canary.yaml                   # all or nothing
  weft get vs                                 # also: dr, workloads, services
  weft proxy-status

The CLI authenticates with the control plane's admin token and verifies its HTTPS certificate
with the mesh root; both are found in its state directory when you run as its user
(--token / WEFT_TOKEN, --ca-file / WEFT_CA_FILE, --state-dir / WEFT_STATE_DIR otherwise).

Exit codes: 0 ok, 1 invalid input, 2 usage, 3 control plane unreachable, 4 not found,
5 control plane error, 6 could not start, 7 no credential or refused; see docs/cli.md.`);
  // Subcommands inherit the output, exit and help settings above: register them after.
  registerControlPlane(program, ctx);
  registerProxy(program, ctx);
  registerRun(program, ctx);
  registerApply(program, ctx);
  registerDelete(program, ctx);
  registerGet(program, ctx);
  registerAnalyze(program, ctx);
  registerProxyStatus(program, ctx);
  registerProxyConfig(program, ctx);
  registerGraph(program, ctx);
  registerTraces(program, ctx);
  registerPrometheusConfig(program, ctx);
  registerDemo(program, ctx);
  registerToken(program, ctx);
  return program;
}

/** Runs one command line to completion; resolves to the exit code (never throws). */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let code: number = ExitCode.OK;
  const ctx: CliContext = {
    io,
    argv,
    action: (fn) => async (...args) => { code = await fn(...args); },
    controlPlaneUrl: (cmd) => controlPlaneUrl(cmd.optsWithGlobals<{ controlPlane?: string }>().controlPlane, io.env),
    client: (cmd) => ctx.adminClient(cmd, cmd.optsWithGlobals<CredentialFlags>()),
    adminClient: (cmd, flags) => new ControlPlaneClient(ctx.controlPlaneUrl(cmd), async () => ({ token: await adminToken(flags, io.env), caPem: await caPem(flags, io.env) })),
  };
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    return reportFailure(err, io);
  }
}

/** Prints a failure the way every command does (`error: …` + what to do) and picks its exit code. */
export function reportFailure(err: unknown, io: Io): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (and the help hint).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.OK;
    if (err.code === 'commander.help') return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    return ExitCode.USAGE;
  }
  if (err instanceof CliError) {
    println(io.stderr, `error: ${err.message}`);
    if (err.hint !== undefined) println(io.stderr, `  ${err.hint}`);
    return err.exitCode;
  }
  println(io.stderr, `error: internal error in weft: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  println(io.stderr, '  this is a bug; please report it with the command you ran');
  return ExitCode.INTERNAL;
}
