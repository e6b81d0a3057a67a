// Builds the inbound side of the config: which service ports this proxy's own workload serves, and the local rate limit on them.
import type { InboundConfig, LocalRateLimit, NodeInfo } from '../../model/proxy-config.ts';
import type { Workload } from './input.ts';

/** The ports of the proxy's own registration (unique, ascending; none when its workload is not registered yet) and its inbound limit. */
export function buildInbound(proxy: NodeInfo, workloads: readonly Workload[], rateLimit: LocalRateLimit | undefined): InboundConfig {
  const own = workloads.find((w) => w.name === proxy.workload && w.namespace === proxy.namespace);
  const ports = [...new Set(own?.ports.map((p) => p.port) ?? [])].sort((a, b) => a - b);
  return rateLimit === undefined ? { ports } : { ports, rateLimit };
}
