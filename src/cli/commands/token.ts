// `weft token create`: mints a join token bound to one workload identity (namespace + service account), for a sidecar started by another user or on another machine.
import { Option, type Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { println } from '../io.ts';
import { parseDurationMs } from '../parse.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { adminTokenOption, caFileOption, stateDirOption } from '../credentials.ts';

interface TokenCreateFlags {
  namespace: string;
  serviceAccount: string;
  ttl: number;
  output: 'token' | 'json';
}

export function registerToken(program: Command, ctx: CliContext): void {
  const token = program
    .command('token')
    .description('manage join tokens (the credential a sidecar obtains its certificate with)');
  token
    .command('create')
    .description('mint a join token bound to one identity: spiffe://<trust domain>/ns/<ns>/sa/<sa>')
    .option('-n, --namespace <ns>', 'namespace of the workloads the token admits', 'default')
    .requiredOption('--service-account <sa>', 'service account of the workloads the token admits (weft run\'s default is the service name)')
    .addOption(new Option('--ttl <duration>', 'how long the token may be used to obtain a first certificate').argParser(parseDurationMs).default(60 * 60 * 1000, '1h'))
    .addOption(new Option('-o, --output <format>', 'token: the token alone; json: with its identity and expiry').choices(['token', 'json']).default('token'))
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
Needs the admin credential. The token admits any number of sidecars of that identity until it
expires; each can register only in that namespace with that service account, and obtain a
certificate only for that SPIFFE id. A sidecar renews its certificate with the certificate
itself, so the token may expire while the sidecar runs. It also carries the SHA-256 of the
mesh root. Treat it as a password.

Examples:
  weft token create --service-account order-service
  weft token create -n shop --service-account api-sa --ttl 15m
  WEFT_JOIN_TOKEN=$(weft token create --service-account web) weft run --service web --port 8080 -- ./web`)
    .action(ctx.action(async (f: TokenCreateFlags, cmd: Command) => {
      const res = await ctx.client(cmd).joinToken({ namespace: f.namespace, serviceAccount: f.serviceAccount, ttlMs: f.ttl });
      if (f.output === 'json') println(ctx.io.stdout, JSON.stringify(res, null, 2));
      else {
        println(ctx.io.stdout, res.token);
        println(ctx.io.stderr, `join token for ${res.spiffeId}, valid until ${res.expiresAt}`);
      }
      return ExitCode.OK;
    }));
}
