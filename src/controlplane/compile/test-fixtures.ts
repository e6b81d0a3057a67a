// Test-only builders and a YAML reader for compiler inputs, so each test states only what it is about.
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { DestinationRule, EnvoyFilter, LocalRateLimitPolicy, PeerAuthentication, VirtualService } from '../../api/resource.ts';
import type { DestinationRuleSpec } from '../../api/kinds/destination-rule/types.ts';
import type { VirtualServiceSpec } from '../../api/kinds/virtual-service/types.ts';
import type { NodeInfo, ProxyConfig } from '../../model/proxy-config.ts';
import { nodeInfoOf } from '../../model/control-protocol.ts';
import { readFileSync } from 'node:fs';
import { DEFAULT_MESH_CONFIG, type CompileInput, type MeshConfig, type ServiceEntryRecord, type Workload } from './input.ts';

export function service(name: string, ports: readonly number[], namespace = 'default'): ServiceEntryRecord {
  return { name, namespace, ports };
}

export interface WorkloadOptions {
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  readonly address?: string;
  /** [service port, target port] pairs; default [[8080, 15006]]. */
  readonly ports?: readonly (readonly [number, number])[];
}

/** A workload of `svc` with Istio's usual labels (`app`, and `version` when given). */
export function workload(name: string, svc: string, version?: string, o: WorkloadOptions = {}): Workload {
  return {
    name,
    namespace: o.namespace ?? 'default',
    service: svc,
    labels: o.labels ?? { app: svc, ...(version === undefined ? {} : { version }) },
    serviceAccount: o.serviceAccount ?? svc,
    address: o.address ?? '127.0.0.1',
    ports: (o.ports ?? [[8080, 15006]]).map(([port, targetPort]) => ({ port, targetPort, protocol: 'http' as const })),
  };
}

export const proxyOf: (w: Workload) => NodeInfo = nodeInfoOf;

export function virtualService(name: string, spec: VirtualServiceSpec, namespace = 'default'): VirtualService {
  return { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name, namespace }, spec };
}

export function destinationRule(name: string, spec: DestinationRuleSpec, namespace = 'default'): DestinationRule {
  return { apiVersion: 'networking.istio.io/v1beta1', kind: 'DestinationRule', metadata: { name, namespace }, spec };
}

export interface InputParts {
  readonly proxy: NodeInfo;
  readonly services?: readonly ServiceEntryRecord[];
  readonly workloads?: readonly Workload[];
  readonly virtualServices?: readonly VirtualService[];
  readonly destinationRules?: readonly DestinationRule[];
  readonly envoyFilters?: readonly EnvoyFilter[];
  readonly rateLimits?: readonly LocalRateLimitPolicy[];
  readonly peerAuthentications?: readonly PeerAuthentication[];
}

export function input(p: InputParts): CompileInput {
  return {
    proxy: p.proxy,
    services: p.services ?? [],
    workloads: p.workloads ?? [],
    virtualServices: p.virtualServices ?? [],
    destinationRules: p.destinationRules ?? [],
    envoyFilters: p.envoyFilters ?? [],
    rateLimits: p.rateLimits ?? [],
    peerAuthentications: p.peerAuthentications ?? [],
    mesh: DEFAULT_MESH_CONFIG,
  };
}

/**
 * Istio resources from multi-document YAML, trusted as already validated (the api loader's job).
 * Like kubectl, a resource without metadata.namespace lands in "default".
 */
export function resourcesFromYaml(text: string): Resources {
  const { registry: _registry, ...resources } = readDocuments(text);
  return resources;
}

/** The registry document of a compile scenario: everything of CompileInput but the Istio resources. */
interface RegistryDocument {
  /** The proxy is the sidecar of this registered workload. */
  readonly proxy: { readonly workload: string; readonly namespace: string };
  readonly mesh?: MeshConfig;
  readonly services?: readonly ServiceEntryRecord[];
  readonly workloads?: readonly Workload[];
}

/**
 * A whole CompileInput from multi-document YAML: one document without `kind` holds the registry and
 * names the proxy (see RegistryDocument); every other document is a VirtualService, DestinationRule,
 * EnvoyFilter or LocalRateLimit exactly as a user would apply it.
 */
export function compileInputFromYaml(text: string): CompileInput {
  const { virtualServices, destinationRules, envoyFilters, rateLimits, peerAuthentications, registry } = readDocuments(text);
  if (registry === undefined) throw new Error('test YAML: no registry document (one without kind, holding proxy/services/workloads)');
  const workloads = registry.workloads ?? [];
  const own = workloads.find((w) => w.name === registry.proxy.workload && w.namespace === registry.proxy.namespace);
  if (own === undefined) throw new Error(`test YAML: proxy workload ${registry.proxy.namespace}/${registry.proxy.workload} is not in workloads`);
  return {
    proxy: proxyOf(own),
    services: registry.services ?? [],
    workloads,
    virtualServices,
    destinationRules,
    envoyFilters,
    rateLimits,
    peerAuthentications,
    mesh: registry.mesh ?? DEFAULT_MESH_CONFIG,
  };
}

export interface Resources {
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  envoyFilters: EnvoyFilter[];
  rateLimits: LocalRateLimitPolicy[];
  peerAuthentications: PeerAuthentication[];
}

function readDocuments(text: string): Resources & { registry: RegistryDocument | undefined } {
  const virtualServices: VirtualService[] = [];
  const destinationRules: DestinationRule[] = [];
  const envoyFilters: EnvoyFilter[] = [];
  const rateLimits: LocalRateLimitPolicy[] = [];
  const peerAuthentications: PeerAuthentication[] = [];
  let registry: RegistryDocument | undefined;
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw doc.errors[0]!;
    const r = doc.toJS() as { kind?: string; metadata?: { namespace?: string } } | null;
    if (r === null) continue;
    if (r.kind === undefined) {
      if (registry !== undefined) throw new Error('test YAML: more than one registry document');
      registry = r as RegistryDocument;
      continue;
    }
    const withNs = { ...r, metadata: { ...r.metadata, namespace: r.metadata?.namespace ?? 'default' } };
    if (r.kind === 'VirtualService') virtualServices.push(withNs as VirtualService);
    else if (r.kind === 'DestinationRule') destinationRules.push(withNs as DestinationRule);
    else if (r.kind === 'EnvoyFilter') envoyFilters.push(withNs as EnvoyFilter);
    else if (r.kind === 'LocalRateLimit') rateLimits.push(withNs as LocalRateLimitPolicy);
    else if (r.kind === 'PeerAuthentication') peerAuthentications.push(withNs as PeerAuthentication);
    else throw new Error(`test YAML: unexpected kind ${r.kind}`);
  }
  return { virtualServices, destinationRules, envoyFilters, rateLimits, peerAuthentications, registry };
}

/**
 * The output invariants every compile must keep, whatever the input: names unique and sorted, no
 * domain claimed twice, every cluster a route names present, weights non-negative with a positive sum.
 */
export function assertWellFormed(config: Omit<ProxyConfig, 'version'>): void {
  const sorted = (xs: readonly string[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const vhostNames = config.virtualHosts.map((v) => v.name);
  assert.deepEqual(vhostNames, sorted(vhostNames), 'virtual hosts sorted by name');
  assert.equal(new Set(vhostNames).size, vhostNames.length, 'virtual host names unique');
  const clusterNames = config.clusters.map((c) => c.name);
  assert.deepEqual(clusterNames, sorted(clusterNames), 'clusters sorted by name');
  assert.equal(new Set(clusterNames).size, clusterNames.length, 'cluster names unique');
  const domains = config.virtualHosts.flatMap((v) => v.domains);
  assert.equal(new Set(domains).size, domains.length, 'no domain in two virtual hosts');
  assert.ok(domains.every((d) => d === d.toLowerCase()), 'domains lower-case');
  const known = new Set(clusterNames);
  for (const v of config.virtualHosts) {
    assert.ok(v.routes.length > 0, `${v.name} has routes`);
    const routeNames = v.routes.map((r) => r.name);
    assert.equal(new Set(routeNames).size, routeNames.length, `${v.name}: route names unique`);
    for (const r of v.routes) {
      assert.ok(r.action.clusters.every((w) => known.has(w.cluster)), `${v.name} ${r.name}: every cluster exists`);
      assert.ok(r.action.clusters.every((w) => Number.isInteger(w.weight) && w.weight >= 0), `${r.name}: weights`);
      assert.ok(r.action.clusters.reduce((s, w) => s + w.weight, 0) > 0, `${r.name}: positive weight sum`);
      for (const m of r.mirrors ?? []) {
        assert.ok(known.has(m.cluster), `${v.name} ${r.name}: mirror cluster ${m.cluster} exists`);
        assert.ok(m.percent > 0 && m.percent <= 100, `${r.name}: mirror percent ${m.percent}`);
      }
      if (r.retry !== undefined) assert.ok(r.retry.maxRetries > 0, `${r.name}: a retry policy retries`);
    }
  }
  for (const c of config.clusters) {
    const eps = c.endpoints.map((e) => `${e.address}\u0000${String(e.port).padStart(5, '0')}\u0000${e.workload}`);
    assert.deepEqual(eps, sorted(eps), `${c.name}: endpoints sorted`);
  }
}

/** The canary example of seed/service-mesh.md ("Пример: Traffic Management"), verbatim: the one copy in the tree is src/demo/canary.yaml. */
export const SEED_CANARY_YAML = readFileSync(new URL('../../demo/canary.yaml', import.meta.url), 'utf8');
