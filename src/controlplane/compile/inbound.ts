// Builds the inbound side of the config: which service ports this proxy's own workload serves.
import type { InboundConfig, NodeInfo } from '../../model/proxy-config.ts';
import type { Workload } from './input.ts';

/** The ports of the proxy's own registration (unique, ascending); none when its workload is not registered (yet). */
export function buildInbound(proxy: NodeInfo, workloads: readonly Workload[]): InboundConfig {
  const own = workloads.find((w) => w.name === proxy.workload && w.namespace === proxy.namespace);
  return { ports: [...new Set(own?.ports.map((p) => p.port) ?? [])].sort((a, b) => a - b) };
}
