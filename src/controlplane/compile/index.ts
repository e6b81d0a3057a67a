// compile(): the pure function from one proxy's CompileInput to its ProxyConfig (all but the version the push layer stamps).
import type { InboundAuthorization, InboundConfig, InboundMtls, ProxyConfig } from '../../model/proxy-config.ts';
import { buildAuthorization } from './authorization.ts';
import { buildClusters } from './clusters.ts';
import { indexDestinationRules } from './destination-rules.ts';
import { indexEndpoints } from './endpoints.ts';
import { buildInbound } from './inbound.ts';
import type { CompileInput } from './input.ts';
import { sortedLabels } from './labels.ts';
import { DEFAULT_MTLS_MODE, indexPeerAuthentications } from './peer-authentication.ts';
import { buildRateLimits } from './rate-limit.ts';
import { buildRouteTable } from './routes.ts';
import { buildTelemetry } from './telemetry.ts';
import { indexServices } from './services.ts';
import { indexVirtualServices } from './virtual-services.ts';

export type CompiledConfig = Omit<ProxyConfig, 'version'>;

/**
 * Reads nothing but `input` (no I/O, clock, environment or module state) and sorts everything it
 * emits, so equal inputs give deep-equal outputs whatever order the resources, services and
 * workloads come in; the push layer hashes the result into the config version.
 *
 * Builders run in a fixed order: the service view, the route table (virtual hosts, which also
 * records every cluster a route or mirror names), then the clusters with their endpoints, then the
 * local rate limits, then inbound (with the AuthorizationPolicies in scope, issue 4).
 */
export function compile(input: CompileInput): CompiledConfig {
  const { proxy, mesh } = input;
  const services = indexServices(input.services);
  const routeTable = buildRouteTable({
    services,
    virtualServiceFor: indexVirtualServices(input.virtualServices, proxy.namespace),
    proxy,
  });
  const peerMtls = indexPeerAuthentications(input.peerAuthentications, mesh.rootNamespace);
  const clusters = buildClusters({
    services,
    endpoints: indexEndpoints(input.workloads, mesh.trustDomain, peerMtls),
    destinationRuleFor: indexDestinationRules(input.destinationRules, proxy, mesh.rootNamespace),
    referenced: routeTable.referencedClusters,
  });
  const rateLimits = buildRateLimits({ envoyFilters: input.envoyFilters, rateLimits: input.rateLimits, proxy, rootNamespace: mesh.rootNamespace });
  return {
    // Spelled out, not spread: the output carries exactly the NodeInfo fields, in a canonical order.
    node: {
      id: proxy.id,
      workload: proxy.workload,
      namespace: proxy.namespace,
      service: proxy.service,
      serviceAccount: proxy.serviceAccount,
      labels: sortedLabels(proxy.labels),
    },
    trustDomain: mesh.trustDomain,
    virtualHosts: routeTable.virtualHosts,
    clusters,
    inbound: withAuthorization(
      withMtls(buildInbound(proxy, input.workloads, rateLimits.inbound), peerMtls(proxy)),
      buildAuthorization({ policies: input.authorizationPolicies ?? [], proxy, workloads: input.workloads, rootNamespace: mesh.rootNamespace }),
    ),
    ...(rateLimits.outbound === undefined ? {} : { outboundRateLimit: rateLimits.outbound }),
    ...telemetryOf(input),
  };
}

/** Issue 5: tracing / access log / metrics settings, left out when nothing configures them (configs stay as they were). */
function telemetryOf(input: CompileInput): Pick<CompiledConfig, 'telemetry'> {
  const telemetry = buildTelemetry({ istioOperators: input.istioOperators ?? [], telemetries: input.telemetries ?? [], proxy: input.proxy, rootNamespace: input.mesh.rootNamespace });
  return telemetry === undefined ? {} : { telemetry };
}

/** Issue 4: the inbound listener's mTLS mode, left out when it is the default (PERMISSIVE everywhere) so that configs without PeerAuthentication stay as they were. */
function withMtls(inbound: InboundConfig, mtls: InboundMtls): InboundConfig {
  return mtls.mode === DEFAULT_MTLS_MODE && mtls.portModes === undefined ? inbound : { ...inbound, mtls };
}

/** Issue 4: the AuthorizationPolicies in scope, left out when none applies (no authorization stage). */
function withAuthorization(inbound: InboundConfig, authorization: InboundAuthorization | undefined): InboundConfig {
  return authorization === undefined ? inbound : { ...inbound, authorization };
}
