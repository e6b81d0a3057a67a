// `weft get KIND [NAME]`: lists stored resources or the registry's workloads and services, as a table, YAML or JSON.
import { Option, type Command } from 'commander';
import type { WorkloadStatus } from '../../controlplane/http-api/types.ts';
import { CliError, UsageError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { println, type Io } from '../io.ts';
import { kindNamesHelp, qualifiedPlural, resolveKind, type KindInfo } from '../kinds.ts';
import { formatTable, toJson, toYamlDocuments } from '../output.ts';
import { resourceTable, serviceTable, servicesOf, workloadTable, type Table } from '../tables.ts';
import type { ControlPlaneClient } from '../client.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { adminTokenOption, caFileOption, stateDirOption } from '../credentials.ts';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json';

export interface GetOptions {
  readonly kind: string;
  readonly name?: string | undefined;
  readonly namespace: string;
  readonly allNamespaces: boolean;
  readonly output: OutputFormat;
}

export function registerGet(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description('list resources, workloads or services')
    .argument('<kind>', 'what to list (virtualservice|vs, destinationrule|dr, workloads, services, …)')
    .argument('[name]', 'only this one')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'every namespace (adds a NAMESPACE column)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json', 'wide']))
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', () => `
Kinds: ${kindNamesHelp()} (singular, plural, short, or with the API group).

Examples:
  weft get vs                                 # VirtualServices in "default"
  weft get virtualservice order-service -o yaml
  weft get dr -A -o wide
  weft get workloads                          # the registry: who runs where, with lease times
  weft get services`)
    .action(ctx.action(async (kind: string, name: string | undefined, opts: { namespace: string; allNamespaces?: true; output?: 'yaml' | 'json' | 'wide' }, cmd: Command) => {
      return runGet(ctx.client(cmd), {
        kind,
        name,
        namespace: opts.namespace,
        allNamespaces: opts.allNamespaces === true,
        output: opts.output ?? 'table',
      }, ctx.io);
    }));
}

export async function runGet(client: ControlPlaneClient, o: GetOptions, io: Io): Promise<number> {
  const kind = resolveKind(o.kind);
  if (kind === null) throw new UsageError(`unknown kind "${o.kind}"`, `kinds: ${kindNamesHelp()}`);
  const namespace = o.allNamespaces ? undefined : o.namespace;
  let objects: readonly unknown[];
  let table: (wide: boolean) => Table;
  const tableOpts = (wide: boolean) => ({ wide, allNamespaces: o.allNamespaces, now: io.now() });
  if (kind.source === 'store') {
    const items = [...await client.resources(kind.kind, { namespace, name: o.name })]
      .sort((a, b) => a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name));
    objects = items;
    table = (wide) => resourceTable(kind, items, tableOpts(wide));
  } else {
    const workloads = (await client.workloads()).filter((w) => namespace === undefined || w.namespace === namespace);
    if (kind.source === 'workloads') {
      const items = sortWorkloads(workloads.filter((w) => o.name === undefined || w.name === o.name));
      objects = items;
      table = (wide) => workloadTable(items, tableOpts(wide));
    } else {
      const items = servicesOf(workloads).filter((s) => o.name === undefined || s.name === o.name);
      objects = items;
      table = (wide) => serviceTable(items, tableOpts(wide));
    }
  }
  if (objects.length === 0) {
    if (o.name !== undefined) throw notFound(kind, o.name);
    println(io.stderr, o.allNamespaces ? 'No resources found' : `No resources found in ${o.namespace} namespace.`);
    return ExitCode.OK;
  }
  const single = o.name !== undefined && objects.length === 1;
  switch (o.output) {
    case 'yaml': io.stdout.write(await toYamlDocuments(objects)); break;
    case 'json': println(io.stdout, toJson(objects, single)); break;
    default: {
      const t = table(o.output === 'wide');
      println(io.stdout, formatTable(t.headers, t.rows));
    }
  }
  return ExitCode.OK;
}

function notFound(kind: KindInfo, name: string): CliError {
  return new CliError('WEFT_CLI_NOT_FOUND', `${qualifiedPlural(kind)} "${name}" not found`, ExitCode.NOT_FOUND, {
    hint: `list what exists with \`weft get ${kind.plural} -A\``,
  });
}

function sortWorkloads(ws: readonly WorkloadStatus[]): WorkloadStatus[] {
  return [...ws].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}
