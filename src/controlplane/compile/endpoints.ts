// Endpoints of a service port: the live workloads that back the service, at the port their sidecar accepts mTLS on.
import type { Endpoint, InboundMtls } from '../../model/proxy-config.ts';
import type { Workload } from './input.ts';
import { compareStrings, selects, sortedLabels } from './labels.ts';
import { modeForPort } from './peer-authentication.ts';

/** Endpoints of one service port, optionally narrowed to a subset's labels; sorted by address, port, workload. */
export type EndpointLookup = (
  service: { readonly name: string; readonly namespace: string },
  port: number,
  subsetLabels: Readonly<Record<string, string>> | undefined,
) => readonly Endpoint[];

/**
 * A workload backs service S when it names S and lives in S's namespace; for each of its port entries
 * whose `port` is the service port, it contributes one endpoint at `targetPort`. `peerMtls` (issue 4)
 * gives the workload's PeerAuthentication result: an endpoint whose mode on that service port is
 * DISABLE gets `mtls: false`, so that auto mTLS sends it plaintext.
 */
export function indexEndpoints(workloads: readonly Workload[], trustDomain: string, peerMtls?: (w: Workload) => InboundMtls): EndpointLookup {
  const byService = new Map<string, Workload[]>();
  for (const w of workloads) {
    const key = serviceKey(w.service, w.namespace);
    const list = byService.get(key);
    if (list) list.push(w);
    else byService.set(key, [w]);
  }
  return (service, port, subsetLabels) => {
    const out: Endpoint[] = [];
    for (const w of byService.get(serviceKey(service.name, service.namespace)) ?? []) {
      if (!selects(subsetLabels, w.labels)) continue;
      for (const p of w.ports) {
        if (p.port !== port) continue;
        out.push({
          address: w.address,
          port: p.targetPort,
          identity: `spiffe://${trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`,
          workload: w.name,
          labels: sortedLabels(w.labels),
          ...(peerMtls !== undefined && modeForPort(peerMtls(w), p.port) === 'DISABLE' ? { mtls: false } : {}),
        });
      }
    }
    return out.sort(compareEndpoints);
  };
}

function serviceKey(name: string, namespace: string): string {
  return `${namespace}/${name}`;
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return compareStrings(a.address, b.address) || a.port - b.port || compareStrings(a.workload, b.workload);
}
