// `weft proxy`: a standalone sidecar for an app started some other way; prints its ports as one JSON line once ready.
import { parseTrustDomain } from './control-plane.ts';
import type { Command } from 'commander';
import { IdentityError, workloadIdentity } from '../../runner/identity.ts';
import { CliError, UsageError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { println } from '../io.ts';
import { collectLabel, parseListenPort, parsePort, parsePositiveInt } from '../parse.ts';
import { watchStopSignals } from '../stop-signal.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { caFileOption, joinTokenOption, stateDirOption } from '../credentials.ts';
import { sidecarCredentials } from '../sidecar-credentials.ts';
import { accessLogStream } from './run.ts';

interface ProxyFlags {
  service: string;
  namespace: string;
  version?: string;
  label?: Record<string, string>;
  serviceAccount?: string;
  workload?: string;
  port: number;
  appPort: number;
  outboundPort: number;
  inboundPort: number;
  adminPort: number;
  address: string;
  accessLog: string;
  maxRegexLength?: number;
  trustDomain?: string;
  token?: string;
  caFile?: string;
  stateDir?: string;
}

export function registerProxy(program: Command, ctx: CliContext): void {
  program
    .command('proxy')
    .description('run a sidecar on its own, for an app you start yourself (weft run does both)')
    .requiredOption('--service <name>', 'the service this workload backs (sets the label app=<name>)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--version <v>', 'sets the label version=<v>')
    .option('--label <key=value>', 'another label; repeatable', collectLabel)
    .option('--service-account <sa>', 'identity in the certificate (default: the service name)')
    .option('--workload <name>', 'instance name (default: <service>[-<version>]-<4 random chars>)')
    .requiredOption('--port <port>', 'the service port callers use in URLs', parsePort)
    .requiredOption('--app-port <port>', 'where the local app listens (plain HTTP on 127.0.0.1)', parsePort)
    .option('--outbound-port <port>', 'outbound listener (the app\'s HTTP_PROXY); 0 picks one', parseListenPort, 0)
    .option('--inbound-port <port>', 'inbound mTLS listener that peers call; 0 picks one', parseListenPort, 0)
    .option('--admin-port <port>', 'admin endpoint (/ready, /config_dump); 0 picks one', parseListenPort, 0)
    .option('--address <ip>', 'address to bind and to register for peers', '127.0.0.1')
    .option('--access-log <dest>', 'where the access log goes when the mesh config turns it on (off by default, as in Istio): - (stdout), stderr, off, or a file', '-')
    .option('--trust-domain <domain>', 'SPIFFE trust domain, as given to `weft control-plane --trust-domain` (default cluster.local)', parseTrustDomain)
    .option('--max-regex-length <n>', 'longest route regex this sidecar accepts; a config with a longer one is NACKed (default: 1024)', parsePositiveInt)
    .addOption(controlPlaneOption())
    .addOption(joinTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
Once the sidecar holds a certificate and a config it prints one JSON line on stdout:
  {"id":"web-k7qz.default","outboundPort":41001,"inboundPort":41002,"adminPort":41003}
Point the app's HTTP_PROXY at the outbound port. Ctrl-C or SIGTERM drains and stops it.

The sidecar obtains its certificate with a join token bound to its namespace and service
account (--token or WEFT_JOIN_TOKEN, from \`weft token create\`); run as the control plane's
user, it mints one itself. It verifies the control plane with --ca-file / WEFT_CA_FILE, else
root-cert.pem in the control plane's state directory.

Examples:
  weft proxy --service web --version v1 --port 8080 --app-port 3000
  weft proxy --service web --port 8080 --app-port 3000 --outbound-port 15001 --access-log off
  weft proxy --service web --port 8080 --app-port 3000 --token "$(cat web.token)" --ca-file root-cert.pem`)
    .action(ctx.action(async (f: ProxyFlags, cmd: Command) => {
      let id;
      try {
        id = workloadIdentity({ service: f.service, namespace: f.namespace, version: f.version, labels: f.label, serviceAccount: f.serviceAccount, workload: f.workload });
      } catch (err) {
        if (err instanceof IdentityError) throw new UsageError(err.message);
        throw err;
      }
      // Loaded on demand: the sidecar and its logger are not needed by the other commands.
      const { startProxy } = await import('../../proxy/main.ts');
      const { createLogger } = await import('../../lib/log.ts');
      const creds = await sidecarCredentials(ctx, cmd, f, id);
      const accessLog = accessLogStream(f.accessLog);
      const stop = watchStopSignals();
      try {
        const proxy = await startProxy({
          controlPlane: ctx.controlPlaneUrl(cmd),
          ...creds,
          ...id,
          servicePort: f.port,
          appPort: f.appPort,
          outboundPort: f.outboundPort,
          inboundPort: f.inboundPort,
          adminPort: f.adminPort,
          address: f.address,
          logger: createLogger('sidecar', { service: f.service }),
          ...(accessLog === undefined ? {} : { accessLog }),
          ...(f.maxRegexLength === undefined ? {} : { maxRegexLength: f.maxRegexLength }),
          ...(f.trustDomain === undefined ? {} : { trustDomain: f.trustDomain }),
        }).catch((err: unknown) => {
          throw new CliError('WEFT_CLI_CANNOT_START', `the sidecar could not start: ${err instanceof Error ? err.message : String(err)}`, ExitCode.START_FAILED, { hint: 'see the log above', cause: err });
        });
        const ready = proxy.ready.then(() => null, (err: unknown) => {
          throw new CliError('WEFT_CLI_CANNOT_START', `the sidecar did not get ready: ${err instanceof Error ? err.message : String(err)}`, ExitCode.START_FAILED, { hint: 'see the log above', cause: err });
        });
        ready.catch(() => {});
        const first = await Promise.race([ready, stop.stopped]).catch(async (err: unknown) => {
          await proxy.drain();
          throw err;
        });
        if (first === null) {
          println(ctx.io.stdout, JSON.stringify({ id: proxy.id, outboundPort: proxy.outboundPort, inboundPort: proxy.inboundPort, adminPort: proxy.adminPort }));
          await stop.stopped;
        }
        println(ctx.io.stderr, 'draining the sidecar…');
        await proxy.drain();
        return ExitCode.OK;
      } finally {
        stop.dispose();
      }
    }));
}
