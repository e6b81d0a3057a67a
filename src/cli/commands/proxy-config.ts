// `weft proxy-config secret <workload>` (istioctl proxy-config secret): the certificate a sidecar serves now — chain, SPIFFE id, serials, validity, trust bundle — read from the sidecar itself through the control plane.
import { Option, type Command } from 'commander';
import type { WorkloadStatus, WorkloadSecret } from '../../controlplane/http-api/types.ts';
import type { CertificateInfo } from '../../model/secret-dump.ts';
import { adminTokenOption, caFileOption, stateDirOption } from '../credentials.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { println } from '../io.ts';
import { formatTable } from '../output.ts';
import type { Table } from '../tables.ts';

export function registerProxyConfig(program: Command, ctx: CliContext): void {
  const pc = program
    .command('proxy-config')
    .alias('pc')
    .description("show a sidecar's configuration as it serves it (istioctl proxy-config)");
  pc.command('secret')
    .description("show a workload's certificate chain, SPIFFE id, serial numbers, validity and trust bundle")
    .argument('<workload>', 'workload name, or <name>.<namespace> as `weft proxy-status` shows it, or a unique prefix (e.g. the service name)')
    .option('-n, --namespace <ns>', 'namespace of the workload (default: the one in <workload>, else any)')
    .addOption(new Option('-o, --output <format>', 'output format (default: a table)').choices(['json']))
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
Asks the control plane, which asks the workload's sidecar (its admin endpoint, /certs): what is
shown is the certificate in service now, after any renewal. Never shows a private key.

Rows: "default" is the workload certificate (TYPE "Cert Chain") and the intermediates after it,
"ROOTCA" the roots the sidecar verifies peers with. PEERS SEEN lists the last peer certificates
the sidecar accepted (their serials change as peers renew).

Examples:
  weft proxy-config secret order-service
  weft proxy-config secret order-service-v1-4k7q.default -o json`)
    .action(ctx.action(async (workload: string, opts: { namespace?: string; output?: 'json' }, cmd: Command) => {
      const client = ctx.client(cmd);
      const w = pick(await client.workloads(), workload, opts.namespace);
      const s = await client.secret(w.namespace, w.name);
      if (opts.output === 'json') {
        println(ctx.io.stdout, JSON.stringify(s, null, 2));
        return ExitCode.OK;
      }
      println(ctx.io.stdout, `workload ${s.workload}.${s.namespace} (service ${s.service})`);
      println(ctx.io.stdout, `SPIFFE ID: ${s.secret.spiffeId}`);
      println(ctx.io.stdout, `next renewal: ${s.secret.nextRenewalAt ?? '-'}   rotations since start: ${s.secret.rotations}`);
      println(ctx.io.stdout, '');
      const t = secretTable(s, ctx.io.now());
      println(ctx.io.stdout, formatTable(t.headers, t.rows));
      const peers = s.secret.peers;
      if (peers.length > 0) {
        println(ctx.io.stdout, '');
        println(ctx.io.stdout, 'PEERS SEEN (latest last)');
        println(ctx.io.stdout, formatTable(['DIRECTION', 'SPIFFE ID', 'SERIAL NUMBER', 'NOT AFTER', 'AT'], peers.slice(-10).map((p) => [p.direction, p.spiffeId, p.serialNumber, p.validTo, p.at])));
      }
      return ExitCode.OK;
    }));
}

/** istioctl's columns, plus subject and issuer (the chain is the point of the command). */
export function secretTable(s: WorkloadSecret, now: number): Table {
  const row = (name: string, type: string, c: CertificateInfo): string[] => {
    const valid = Date.parse(c.validFrom) <= now && now < Date.parse(c.validTo);
    return [name, type, valid ? 'ACTIVE' : 'EXPIRED', String(valid), c.serialNumber, c.validFrom, c.validTo, c.subject === '' ? '-' : c.subject, c.issuer === '' ? '-' : c.issuer];
  };
  return {
    headers: ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT BEFORE', 'NOT AFTER', 'SUBJECT', 'ISSUER'],
    rows: [
      ...s.secret.chain.map((c, i) => row('default', i === 0 ? 'Cert Chain' : 'Intermediate', c)),
      ...s.secret.trustBundle.map((c) => row('ROOTCA', 'CA', c)),
    ],
  };
}

/** The one workload `arg` names: exact name, name.namespace, or a unique prefix. */
export function pick(all: readonly WorkloadStatus[], arg: string, namespace: string | undefined): WorkloadStatus {
  const inNs = (w: WorkloadStatus): boolean => namespace === undefined || w.namespace === namespace;
  const exact = all.filter((w) => inNs(w) && (w.name === arg || `${w.name}.${w.namespace}` === arg));
  if (exact.length === 1) return exact[0]!;
  const prefixed = exact.length > 1 ? exact : all.filter((w) => inNs(w) && (w.name.startsWith(arg) || `${w.name}.${w.namespace}`.startsWith(arg)));
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length === 0) {
    throw new CliError('WEFT_CLI_NOT_FOUND', `no workload ${arg}${namespace === undefined ? '' : ` in namespace ${namespace}`} is registered`, ExitCode.NOT_FOUND, { hint: '`weft get workloads` or `weft proxy-status` lists them' });
  }
  throw new CliError('WEFT_CLI_USAGE', `"${arg}" matches ${prefixed.length} workloads: ${prefixed.map((w) => `${w.name}.${w.namespace}`).join(', ')}`, ExitCode.USAGE, { hint: 'name one of them' });
}
