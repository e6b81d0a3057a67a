// Kind names as kubectl users type them (full, lower-case, plural, short, with or without the API group) resolved to one KindInfo.

/** Where `weft get` finds a kind: the resource store, or the registry. */
export type KindSource = 'store' | 'workloads' | 'services';

export interface KindInfo {
  /** As in the YAML ("VirtualService"); for registry kinds, the display name. */
  readonly kind: string;
  /** Lower-case plural ("virtualservices"). */
  readonly plural: string;
  /** API group ("networking.istio.io"); empty for the registry's kinds. */
  readonly group: string;
  readonly shortNames: readonly string[];
  readonly source: KindSource;
}

/** Istio's resource kinds with their CRD short names, and the registry's two views. */
export const KINDS: readonly KindInfo[] = [
  { kind: 'VirtualService', plural: 'virtualservices', group: 'networking.istio.io', shortNames: ['vs'], source: 'store' },
  { kind: 'DestinationRule', plural: 'destinationrules', group: 'networking.istio.io', shortNames: ['dr'], source: 'store' },
  { kind: 'Gateway', plural: 'gateways', group: 'networking.istio.io', shortNames: ['gw'], source: 'store' },
  { kind: 'ServiceEntry', plural: 'serviceentries', group: 'networking.istio.io', shortNames: ['se'], source: 'store' },
  { kind: 'Sidecar', plural: 'sidecars', group: 'networking.istio.io', shortNames: [], source: 'store' },
  { kind: 'EnvoyFilter', plural: 'envoyfilters', group: 'networking.istio.io', shortNames: [], source: 'store' },
  { kind: 'LocalRateLimit', plural: 'localratelimits', group: 'weft.dev', shortNames: ['lrl'], source: 'store' },
  { kind: 'PeerAuthentication', plural: 'peerauthentications', group: 'security.istio.io', shortNames: ['pa'], source: 'store' },
  { kind: 'AuthorizationPolicy', plural: 'authorizationpolicies', group: 'security.istio.io', shortNames: ['ap'], source: 'store' },
  { kind: 'Telemetry', plural: 'telemetries', group: 'telemetry.istio.io', shortNames: ['telemetry'], source: 'store' },
  { kind: 'IstioOperator', plural: 'istiooperators', group: 'install.istio.io', shortNames: ['iop', 'io'], source: 'store' },
  { kind: 'Workload', plural: 'workloads', group: '', shortNames: ['wl'], source: 'workloads' },
  { kind: 'Service', plural: 'services', group: '', shortNames: ['svc'], source: 'services' },
];

/** Resolves what the user typed ("vs", "VirtualServices", "virtualservice.networking.istio.io") or null. */
export function resolveKind(typed: string): KindInfo | null {
  const t = typed.trim().toLowerCase();
  if (t === '') return null;
  const dot = t.indexOf('.');
  const name = dot < 0 ? t : t.slice(0, dot);
  const group = dot < 0 ? null : t.slice(dot + 1);
  for (const k of KINDS) {
    if (group !== null && group !== k.group) continue;
    const singular = k.kind.toLowerCase();
    if (name === singular || name === k.plural || k.shortNames.includes(name)) return k;
  }
  return null;
}

/** "virtualservice.networking.istio.io": the kubectl spelling used in apply's result lines. */
export function qualifiedKind(kind: string): string {
  const k = KINDS.find((x) => x.kind === kind);
  const lower = kind.toLowerCase();
  return k === undefined || k.group === '' ? lower : `${lower}.${k.group}`;
}

/** "virtualservices.networking.istio.io": the kubectl spelling in "not found" messages. */
export function qualifiedPlural(k: KindInfo): string {
  return k.group === '' ? k.plural : `${k.plural}.${k.group}`;
}

/** The names `weft get` accepts, for its help and its "unknown kind" message. */
export function kindNamesHelp(): string {
  return KINDS.map((k) => [k.kind.toLowerCase(), ...k.shortNames.filter((s) => s !== k.kind.toLowerCase())].join(' | ')).join(', ');
}
