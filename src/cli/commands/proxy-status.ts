// `weft proxy-status`: every sidecar the control plane knows, with the config version it holds and whether that is the latest (istioctl's view).
import type { Command } from 'commander';
import type { ProxyStatus } from '../../controlplane/http-api/types.ts';
import { ExitCode } from '../exit-codes.ts';
import { println } from '../io.ts';
import { formatAge, formatTable } from '../output.ts';
import type { Table } from '../tables.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';
import { adminTokenOption, caFileOption, stateDirOption } from '../credentials.ts';

export function registerProxyStatus(program: Command, ctx: CliContext): void {
  program
    .command('proxy-status')
    .alias('ps')
    .description('show every sidecar: its service, version, config version and sync state')
    .argument('[name]', 'only proxies whose name starts with this')
    .addOption(controlPlaneOption())
    .addOption(adminTokenOption())
    .addOption(caFileOption())
    .addOption(stateDirOption())
    .addHelpText('after', `
STATUS is one of:
  synced                the proxy acknowledged the latest config the control plane computed for it
  stale                 a newer config was sent and not yet acknowledged
  NACKed: <reason>      the proxy rejected the latest config and keeps serving its previous one
  not sent              the proxy is connected but has no config yet
  disconnected          the proxy's stream is down (it keeps serving its last config)

Examples:
  weft proxy-status
  weft proxy-status order-service             # only order-service-*`)
    .action(ctx.action(async (name: string | undefined, _opts: unknown, cmd: Command) => {
      const proxies = (await ctx.client(cmd).proxies()).filter((p) => name === undefined || proxyName(p).startsWith(name));
      if (proxies.length === 0) {
        println(ctx.io.stderr, name === undefined
          ? 'No proxies connected. Start a workload with `weft run … -- CMD`, or everything at once with `weft demo`.'
          : `No proxy name starts with "${name}".`);
        return ExitCode.OK;
      }
      const t = proxyStatusTable(proxies, ctx.io.now());
      println(ctx.io.stdout, formatTable(t.headers, t.rows));
      return ExitCode.OK;
    }));
}

/** "order-service-v2-k3x9.default": istioctl's pod.namespace naming. */
export function proxyName(p: ProxyStatus): string {
  return `${p.workload}.${p.namespace}`;
}

export function proxyStatusTable(proxies: readonly ProxyStatus[], now: number): Table {
  const sorted = [...proxies].sort((a, b) => proxyName(a).localeCompare(proxyName(b)));
  return {
    headers: ['NAME', 'SERVICE', 'VERSION', 'CONFIG VERSION', 'STATUS', 'CONNECTED'],
    rows: sorted.map((p) => [
      proxyName(p),
      p.service,
      p.version === '' ? '-' : p.version,
      shortVersion(p.ackedVersion),
      statusText(p),
      connectedText(p, now),
    ]),
  };
}

export function statusText(p: ProxyStatus): string {
  switch (p.state) {
    case 'SYNCED': return 'synced';
    case 'STALE': return `stale (sent ${shortVersion(p.sentVersion)})`;
    case 'NACKED': return `NACKed: ${p.nackReason ?? 'no reason given'}`;
    case 'NOT SENT': return 'not sent';
    case 'DISCONNECTED': return 'disconnected';
  }
}

function connectedText(p: ProxyStatus, now: number): string {
  if (p.connected) return 'yes';
  const seen = Date.parse(p.lastSeen);
  return Number.isNaN(seen) ? 'no' : `no (last seen ${formatAge(now - seen)} ago)`;
}

/** Config versions are content hashes; twelve characters tell them apart in a table. */
function shortVersion(v: string | null): string {
  if (v === null || v === '') return '-';
  return v.length > 12 ? v.slice(0, 12) : v;
}
