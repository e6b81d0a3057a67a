/** Builds a proxy's CompileInput from the stored resources, the registry snapshot and the proxy's workload, the only things compile() may read. */
import type { AuthorizationPolicy, DestinationRule, EnvoyFilter, IstioOperator, LocalRateLimitPolicy, PeerAuthentication, Resource, Telemetry, VirtualService } from '../../api/resource.ts';
import type { NodeInfo } from '../../model/proxy-config.ts';
import type { CompileInput, MeshConfig } from '../compile/input.ts';
import type { RegistrySnapshot } from '../registry/registry.ts';

/** The part of CompileInput shared by every proxy in one push round. */
export type SharedInput = Omit<CompileInput, 'proxy'>;

export function sharedInput(resources: readonly Resource[], registry: RegistrySnapshot, mesh: MeshConfig): SharedInput {
  return {
    // The store holds only what api/ validated, so the kind tells the shape.
    virtualServices: resources.filter((r): r is VirtualService => r.kind === 'VirtualService'),
    destinationRules: resources.filter((r): r is DestinationRule => r.kind === 'DestinationRule'),
    envoyFilters: resources.filter((r): r is EnvoyFilter => r.kind === 'EnvoyFilter'),
    rateLimits: resources.filter((r): r is LocalRateLimitPolicy => r.kind === 'LocalRateLimit'),
    peerAuthentications: resources.filter((r): r is PeerAuthentication => r.kind === 'PeerAuthentication'),
    authorizationPolicies: resources.filter((r): r is AuthorizationPolicy => r.kind === 'AuthorizationPolicy'),
    telemetries: resources.filter((r): r is Telemetry => r.kind === 'Telemetry'), // issue 5
    istioOperators: resources.filter((r): r is IstioOperator => r.kind === 'IstioOperator'), // issue 5
    services: registry.services,
    workloads: registry.workloads,
    mesh,
  };
}

export function inputFor(proxy: NodeInfo, shared: SharedInput): CompileInput {
  return { proxy, ...shared };
}
