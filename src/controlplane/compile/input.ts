/**
 * CompileInput: the complete list of what compile() may read. Nothing else (no clock, no I/O, no
 * module state) reaches the compiler, so this value is also a correct cache key for its output.
 */
import type { AuthorizationPolicy, DestinationRule, EnvoyFilter, IstioOperator, LocalRateLimitPolicy, PeerAuthentication, Telemetry, VirtualService } from '../../api/resource.ts';
import type { NodeInfo } from '../../model/proxy-config.ts';
import type { WorkloadRegistration } from '../../model/control-protocol.ts';

export interface MeshConfig {
  /** SPIFFE trust domain; principals read "<trustDomain>/ns/<ns>/sa/<sa>". */
  readonly trustDomain: string;
  /** Namespace whose policies apply mesh-wide (Istio's root namespace). */
  readonly rootNamespace: string;
}

export const DEFAULT_MESH_CONFIG: MeshConfig = { trustDomain: 'cluster.local', rootNamespace: 'istio-system' };

/** A service of the registry: exists independently of how many workloads back it right now. */
export interface ServiceEntryRecord {
  readonly name: string;
  readonly namespace: string;
  /** Service ports callers use. */
  readonly ports: readonly number[];
}

/** A live workload (its lease has not lapsed). */
export type Workload = WorkloadRegistration;

export interface CompileInput {
  /** The proxy the config is for. */
  readonly proxy: NodeInfo;
  readonly virtualServices: readonly VirtualService[];
  readonly destinationRules: readonly DestinationRule[];
  /** Istio EnvoyFilters (only local rate limit patches pass validation). */
  readonly envoyFilters: readonly EnvoyFilter[];
  /** Weft's own LocalRateLimit resources. */
  readonly rateLimits: readonly LocalRateLimitPolicy[];
  /** Issue 4 (item 1): every PeerAuthentication; compile picks those in scope of each workload. */
  readonly peerAuthentications: readonly PeerAuthentication[];
  /** Issue 4 (item 2): every AuthorizationPolicy; compile picks those in scope of the proxy's workload. Absent: none (optional, so older inputs stay valid). */
  readonly authorizationPolicies?: readonly AuthorizationPolicy[];
  /** Issue 5: every Telemetry resource; compile picks those in scope of the proxy. Absent: none (optional, so older inputs stay valid). */
  readonly telemetries?: readonly Telemetry[];
  /** Issue 5: the IstioOperator holding the mesh config (apply keeps at most one). Absent: none. */
  readonly istioOperators?: readonly IstioOperator[];
  readonly services: readonly ServiceEntryRecord[];
  readonly workloads: readonly Workload[];
  readonly mesh: MeshConfig;
}
