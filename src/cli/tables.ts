// The columns `weft get` shows for each kind (kubectl's default and -o wide views), computed from the objects the control plane returns.
import type { Resource } from '../api/resource.ts';
import type { WorkloadStatus } from '../controlplane/http-api/types.ts';
import type { KindInfo } from './kinds.ts';
import { formatAge, shortList } from './output.ts';

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface TableOptions {
  readonly wide: boolean;
  readonly allNamespaces: boolean;
  /** Epoch milliseconds, for lease times. */
  readonly now: number;
}

/** A service as `weft get services` shows it: the registry's workloads grouped by service. */
export interface ServiceView {
  readonly name: string;
  readonly namespace: string;
  readonly ports: readonly number[];
  readonly workloads: readonly string[];
  readonly versions: readonly string[];
}

export function resourceTable(kind: KindInfo, items: readonly Resource[], o: TableOptions): Table {
  const columns = kind.kind === 'VirtualService' ? virtualServiceColumns(o.wide)
    : kind.kind === 'DestinationRule' ? destinationRuleColumns(o.wide)
      : genericColumns;
  return build(columns, items, o.allNamespaces, (r) => r.metadata.namespace);
}

export function workloadTable(items: readonly WorkloadStatus[], o: TableOptions): Table {
  const cols: Column<WorkloadStatus>[] = [
    ['NAME', (w) => w.name],
    ['SERVICE', (w) => w.service],
    ['VERSION', (w) => w.labels.version ?? '-'],
    ['ADDRESS', (w) => w.address],
    ['PORTS', (w) => w.ports.map((p) => `${p.port}:${p.targetPort}`).join(',') || '<none>'],
    ['LEASE', (w) => leaseText(w.leaseExpiresAt, o.now)],
  ];
  if (o.wide) {
    cols.push(['SERVICE ACCOUNT', (w) => w.serviceAccount]);
    cols.push(['LABELS', (w) => Object.entries(w.labels).map(([k, v]) => `${k}=${v}`).join(',') || '<none>']);
  }
  return build(cols, items, o.allNamespaces, (w) => w.namespace);
}

export function serviceTable(items: readonly ServiceView[], o: TableOptions): Table {
  const cols: Column<ServiceView>[] = [
    ['NAME', (s) => s.name],
    ['PORTS', (s) => s.ports.join(',') || '<none>'],
    ['WORKLOADS', (s) => String(s.workloads.length)],
    ['VERSIONS', (s) => s.versions.join(',') || '-'],
  ];
  if (o.wide) cols.push(['WORKLOAD NAMES', (s) => s.workloads.join(',')]);
  return build(cols, items, o.allNamespaces, (s) => s.namespace);
}

/** Groups workloads into the services they back, sorted by namespace and name. */
export function servicesOf(workloads: readonly WorkloadStatus[]): ServiceView[] {
  const byKey = new Map<string, { name: string; namespace: string; ports: Set<number>; workloads: string[]; versions: Set<string> }>();
  for (const w of workloads) {
    const key = `${w.namespace}/${w.service}`;
    let s = byKey.get(key);
    if (s === undefined) {
      s = { name: w.service, namespace: w.namespace, ports: new Set(), workloads: [], versions: new Set() };
      byKey.set(key, s);
    }
    for (const p of w.ports) s.ports.add(p.port);
    s.workloads.push(w.name);
    if (w.labels.version !== undefined) s.versions.add(w.labels.version);
  }
  return [...byKey.values()]
    .map((s) => ({ name: s.name, namespace: s.namespace, ports: [...s.ports].sort((a, b) => a - b), workloads: s.workloads.sort(), versions: [...s.versions].sort() }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

type Column<T> = [header: string, cell: (item: T) => string];

function build<T>(cols: readonly Column<T>[], items: readonly T[], withNamespace: boolean, ns: (t: T) => string): Table {
  const all: readonly Column<T>[] = withNamespace ? [['NAMESPACE', ns], ...cols] : cols;
  return { headers: all.map((c) => c[0]), rows: items.map((it) => all.map((c) => c[1](it))) };
}

const genericColumns: Column<Resource>[] = [
  ['NAME', (r) => r.metadata.name],
  ['API VERSION', (r) => r.apiVersion],
];

function virtualServiceColumns(wide: boolean): Column<Resource>[] {
  const cols: Column<Resource>[] = [
    ['NAME', (r) => r.metadata.name],
    ['GATEWAYS', (r) => JSON.stringify(strings(field(r.spec, 'gateways')))],
    ['HOSTS', (r) => JSON.stringify(strings(field(r.spec, 'hosts')))],
  ];
  if (wide) cols.push(['HTTP ROUTES', (r) => httpRoutesText(r.spec)]);
  return cols;
}

function destinationRuleColumns(wide: boolean): Column<Resource>[] {
  const cols: Column<Resource>[] = [
    ['NAME', (r) => r.metadata.name],
    ['HOST', (r) => stringOr(field(r.spec, 'host'), '<none>')],
    ['SUBSETS', (r) => shortList(array(field(r.spec, 'subsets')).map((s) => stringOr(field(s, 'name'), '?')), 6)],
  ];
  if (wide) cols.push(['LOAD BALANCER', (r) => stringOr(field(field(field(r.spec, 'trafficPolicy'), 'loadBalancer'), 'simple'), '-')]);
  return cols;
}

/** "v2=100 | v1=90,v2=10": each http route's destinations and weights, in order. */
function httpRoutesText(spec: unknown): string {
  const routes = array(field(spec, 'http'));
  if (routes.length === 0) return '<none>';
  return routes.map((h) => array(field(h, 'route')).map((d) => {
    const dest = field(d, 'destination');
    const subset = field(dest, 'subset');
    const name = stringOr(field(dest, 'host'), '?') + (typeof subset === 'string' ? `:${subset}` : '');
    const weight = field(d, 'weight');
    return typeof weight === 'number' ? `${name}=${weight}` : name;
  }).join(',')).join(' | ');
}

function leaseText(expiresAt: string, now: number): string {
  const t = Date.parse(expiresAt);
  if (Number.isNaN(t)) return '-';
  return t <= now ? 'expired' : `${formatAge(t - now)} left`;
}

function field(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}
function array(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}
function strings(v: unknown): string[] {
  return array(v).filter((x): x is string => typeof x === 'string');
}
function stringOr(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}
