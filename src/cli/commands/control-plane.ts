// `weft control-plane`: runs the control plane in the foreground until Ctrl-C or SIGTERM, then closes it cleanly.
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { isDns1123Label } from '../../api/rules/names.ts';
import { WeftError, messageOf } from '../../lib/errors.ts';
import { CliError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { println } from '../io.ts';
import { parseDurationMs, parseListenPort } from '../parse.ts';
import { watchStopSignals } from '../stop-signal.ts';
import type { CliContext } from '../context.ts';

export const DEFAULT_CONTROL_PLANE_PORT = 15010;

interface ControlPlaneFlags {
  stateDir?: string;
  host: string;
  port: number;
  leaseTtl?: number;
  rootNamespace?: string;
  caDir?: string;
  workloadCertTtl?: number;
  prometheusSdFile?: string;
  graphWindow?: number;
  trustDomain?: string;
}

export function registerControlPlane(program: Command, ctx: CliContext): void {
  program
    .command('control-plane')
    .description('run the control plane (store, registry, CA, config push) in the foreground')
    .option('--state-dir <dir>', 'where resources and the root CA are kept (default: $WEFT_STATE_DIR, else $XDG_STATE_HOME/weft, else ~/.local/state/weft)')
    .option('--host <host>', 'address to listen on; keep loopback unless you mean to expose it', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free one', parseListenPort, DEFAULT_CONTROL_PLANE_PORT)
    .option('--lease-ttl <duration>', 'a workload that stops renewing its lease leaves after this long (e.g. 15s)', parseDurationMs)
    .option('--root-namespace <namespace>', "the mesh root namespace: policies there without a selector apply mesh-wide (Istio's rootNamespace; default istio-system)", parseNamespace)
    .option('--trust-domain <domain>', 'SPIFFE trust domain of workload identities: spiffe://<domain>/ns/<ns>/sa/<sa> (default cluster.local; sidecars must be started with the same)', parseTrustDomain)
    .option('--ca-dir <dir>', "plug-in CA: sign with the user's CA in Istio's cacerts layout (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem) instead of a generated root")
    .option('--prometheus-sd-file <file>', 'keep this Prometheus file_sd file listing every live sidecar (see `weft prometheus-config --file-sd`)')
    .option('--graph-window <duration>', 'how far back `weft graph` looks at the sidecars\' telemetry, 1s or more (default 60s)', parseDurationMs)
    .option('--workload-cert-ttl <duration>', 'lifetime of workload certificates, 2s to 2160h (90 days); default 24h; sidecars renew at about half of it', parseDurationMs)
    .addHelpText('after', `
Prints "weft control plane listening on <url>" once it serves. Ctrl-C or SIGTERM closes it
cleanly; what \`weft apply\` acknowledged is on disk and survives a crash.

Examples:
  weft control-plane
  weft control-plane --state-dir ./.state --port 15011
  WEFT_LOG_LEVEL=debug weft control-plane --lease-ttl 10s
  weft control-plane --ca-dir ./cacerts --workload-cert-ttl 1h`)
    .action(ctx.action(async (opts: ControlPlaneFlags) => {
      // Loaded on demand: the other commands do not need the control plane's code.
      const { startControlPlane, defaultStateDir } = await import('../../controlplane/main.ts');
      const { createLogger } = await import('../../lib/log.ts');
      const stateDir = opts.stateDir ?? defaultStateDir();
      const stop = watchStopSignals();
      let cp: Awaited<ReturnType<typeof startControlPlane>>;
      try {
        cp = await startControlPlane({
          stateDir,
          host: opts.host,
          port: opts.port,
          ...(opts.leaseTtl === undefined ? {} : { leaseTtlMs: opts.leaseTtl }),
          ...(opts.rootNamespace === undefined && opts.trustDomain === undefined ? {} : {
            mesh: { ...(opts.rootNamespace === undefined ? {} : { rootNamespace: opts.rootNamespace }), ...(opts.trustDomain === undefined ? {} : { trustDomain: opts.trustDomain }) },
          }),
          ...(opts.caDir === undefined ? {} : { caDir: opts.caDir }),
          ...(opts.workloadCertTtl === undefined ? {} : { workloadCertTtlMs: opts.workloadCertTtl }),
          ...(opts.prometheusSdFile === undefined ? {} : { prometheusSdFile: opts.prometheusSdFile }),
          ...(opts.graphWindow === undefined ? {} : { graphWindowMs: opts.graphWindow }),
          logger: createLogger('control-plane'),
        });
      } catch (err) {
        stop.dispose();
        throw startError(err, opts);
      }
      println(ctx.io.stdout, `weft control plane listening on ${cp.url}`);
      println(ctx.io.stderr, `state directory: ${stateDir}`);
      println(ctx.io.stderr, `point the CLI at it with: export WEFT_CONTROL_PLANE=${cp.url}   (Ctrl-C stops it)`);
      // Issue 4: where the credentials are; the CLI and weft run find them there when run as this user.
      println(ctx.io.stderr, `admin token: ${join(stateDir, 'admin-token')} (owner only); mesh root: ${cp.rootCertFile}; other users need \`weft token create\``);
      const sig = await stop.stopped;
      println(ctx.io.stderr, `${sig}: closing the control plane…`);
      await cp.close();
      stop.dispose();
      return ExitCode.OK;
    }));
}

function startError(err: unknown, opts: ControlPlaneFlags): CliError {
  // The control plane's own errors (WEFT_PORT_IN_USE, WEFT_STATE_DIR_LOCKED, WEFT_LISTEN_FAILED) already say what to do.
  if (err instanceof WeftError) return new CliError(err.code, err.message, ExitCode.START_FAILED, { cause: err });
  return new CliError('WEFT_CLI_CANNOT_START', `the control plane could not start on ${opts.host}:${opts.port}: ${messageOf(err)}`, ExitCode.START_FAILED, {
    hint: 'check that the state directory is writable (--state-dir) and see the log above',
    cause: err,
  });
}

/** A SPIFFE trust domain (issue 4): lower-case DNS-style name, as in spiffe://cluster.local/…. */
export function parseTrustDomain(value: string): string {
  if (!/^[a-z0-9]([a-z0-9._-]{0,253}[a-z0-9])?$/.test(value)) throw new InvalidArgumentError('expected a trust domain: lower-case letters, digits, ".", "-" and "_", like cluster.local.');
  return value;
}

/** A Kubernetes namespace name (DNS-1123 label), for --root-namespace (issue 4). */
function parseNamespace(value: string): string {
  if (!isDns1123Label(value)) throw new InvalidArgumentError('expected a namespace name: lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit.');
  return value;
}
