// `weft run … -- CMD ARGS…`: flags to RunOptions, the real sidecar plugged in, and the runner's failures turned into CLI errors.
import { parseTrustDomain } from './control-plane.ts';
import { openSync, writeSync } from 'node:fs';
import type { LineSink } from '../../proxy/options.ts';
import { Option, type Command } from 'commander';
import { IdentityError } from '../../runner/identity.ts';
import { RunError, runWorkload } from '../../runner/run.ts';
import { CliError, UsageError } from '../errors.ts';
import { println } from '../io.ts';
import { collectLabel, parseDurationMs, parsePort, parsePositiveInt } from '../parse.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { caFileOption, joinTokenOption, stateDirOption } from '../credentials.ts';
import { sidecarCredentials } from '../sidecar-credentials.ts';

export interface RunFlags {
  service: string;
  namespace: string;
  version?: string;
  label?: Record<string, string>;
  serviceAccount?: string;
  port: number;
  appPort?: number;
  workload?: string;
  readyTimeout: number;
  accessLog: string;
  maxRegexLength?: number;
  trustDomain?: string;
  token?: string;
  caFile?: string;
  stateDir?: string;
}

export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('run an unmodified app with its sidecar: calls to http://<service>:<port>/ go through the mesh')
    .argument('[command...]', 'the app\'s command and arguments, after --')
    .requiredOption('--service <name>', 'the service this workload backs (sets the label app=<name>)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--version <v>', 'sets the label version=<v> (what DestinationRule subsets select)')
    .option('--label <key=value>', 'another label; repeatable', collectLabel)
    .option('--service-account <sa>', 'identity in the certificate: spiffe://cluster.local/ns/<ns>/sa/<sa> (default: the service name)')
    .requiredOption('--port <port>', 'the service port callers use in URLs (http://<service>:<port>/)', parsePort)
    .option('--app-port <port>', 'where the app listens, given to it as PORT (default: a free port)', parsePort)
    .option('--workload <name>', 'instance name (default: <service>[-<version>]-<4 random chars>)')
    .addOption(new Option('--ready-timeout <duration>', 'how long to wait for the sidecar\'s certificate and config').argParser(parseDurationMs).default(30_000, '30s'))
    .option('--access-log <dest>', 'where the sidecar writes its access log when the mesh config turns it on (off by default, as in Istio): stderr (default, so the app keeps stdout to itself), - (stdout), off, or a file', 'stderr')
    .option('--trust-domain <domain>', 'SPIFFE trust domain, as given to `weft control-plane --trust-domain` (default cluster.local)', parseTrustDomain)
    .option('--max-regex-length <n>', 'longest route regex the sidecar accepts; a config with a longer one is NACKed (default: 1024)', parsePositiveInt)
    .addOption(controlPlaneOption())
    .addOption(joinTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
The app gets PORT (listen there), HTTP_PROXY/http_proxy (the sidecar's outbound listener),
NO_PROXY/no_proxy=localhost,127.0.0.1,::1 and NODE_USE_ENV_PROXY=1, so that a plain
GET http://user-service:8080/users/1 from Node, curl, Python or Go goes through the mesh.
SIGINT, SIGTERM and SIGHUP are forwarded to the app; when it exits the sidecar drains and
weft run exits with the app's status (128 + n when a signal killed it).

The sidecar obtains its certificate with a join token bound to the namespace and service
account (--token or WEFT_JOIN_TOKEN, from \`weft token create\`); run as the control plane's
user, weft run mints one itself, so no flag is needed on one machine.

Examples:
  weft run --service user-service --version v2 --port 8080 -- node user-service.js
  weft run --service web --port 80 --label track=canary -- sh -c 'exec python3 -m http.server "$PORT"'
  weft run --service api -n shop --service-account api-sa --port 8080 --app-port 3000 -- ./api`)
    .action(ctx.action(async (command: string[], flags: RunFlags, cmd: Command) => {
      const dd = ctx.argv.indexOf('--');
      if (dd < 0) throw new UsageError('no command to run: put the app\'s command after `--`', 'e.g. weft run --service web --port 8080 -- node server.js');
      const after = ctx.argv.slice(dd + 1);
      if (after.length === 0) throw new UsageError('no command after `--`', 'e.g. weft run --service web --port 8080 -- node server.js');
      if (command.length !== after.length) {
        throw new UsageError(`unexpected argument "${command[0] ?? ''}" before \`--\``, 'everything that belongs to the app goes after `--`');
      }
      // Loaded on demand: the sidecar and its logger are not needed by the other commands.
      const { startProxy } = await import('../../proxy/main.ts');
      const { createLogger } = await import('../../lib/log.ts');
      try {
        return await runWorkload({
          controlPlane: ctx.controlPlaneUrl(cmd),
          credentials: (id) => sidecarCredentials(ctx, cmd, flags, id),
          identity: {
            service: flags.service,
            namespace: flags.namespace,
            version: flags.version,
            labels: flags.label,
            serviceAccount: flags.serviceAccount,
            workload: flags.workload,
          },
          servicePort: flags.port,
          appPort: flags.appPort,
          command: after,
          readyTimeoutMs: flags.readyTimeout,
          accessLog: accessLogStream(flags.accessLog),
          maxRegexLength: flags.maxRegexLength,
          trustDomain: flags.trustDomain,
        }, {
          startProxy,
          progress: (line) => println(ctx.io.stderr, `weft run: ${line}`),
          env: ctx.io.env,
          logger: createLogger('sidecar', { service: flags.service }),
        });
      } catch (err) {
        if (err instanceof RunError) throw new CliError(err.code, err.message, err.status, err.hint === undefined ? { cause: err } : { hint: err.hint, cause: err });
        if (err instanceof IdentityError) throw new UsageError(err.message);
        throw err;
      }
    }));
}

/**
 * Appends the access log's batches to a file with one synchronous write each (the access log
 * writes 16 KiB or 100 ms at a time, so this is rare): written by hand rather than through a
 * logging library's stream so that the bytes are the caller's again when write() returns and its
 * buffer can be reused (LineSink.writesSynchronously). The descriptor lives as long as the process.
 */
class FileLineSink implements LineSink {
  readonly writesSynchronously = true;
  readonly #fd: number;

  constructor(path: string) {
    this.#fd = openSync(path, 'a');
  }

  write(chunk: Uint8Array): void {
    for (let off = 0; off < chunk.length;) off += writeSync(this.#fd, chunk, off);
  }
}

/** `-` keeps the sidecar's default (stdout); `stderr`, `off`, or a file to append to. */
export function accessLogStream(dest: string): LineSink | null | undefined {
  if (dest === '-' || dest === 'stdout') return undefined;
  if (dest === 'stderr') return process.stderr;
  if (dest === 'off' || dest === 'none') return null;
  return new FileLineSink(dest);
}
