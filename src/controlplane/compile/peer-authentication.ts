// Which mutual TLS mode a workload's sidecar enforces, per port: the PeerAuthentications in its scope, the most specific one winning.
import type { PeerAuthenticationMode } from '../../api/kinds/peer-authentication/types.ts';
import type { PeerAuthentication } from '../../api/resource.ts';
import type { InboundMtls, MtlsMode } from '../../model/proxy-config.ts';
import { compareStrings, selects } from './labels.ts';

/** What scope resolution needs of a workload. */
export interface PeerAuthnSubject {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Istio's default when no policy sets a mode. */
export const DEFAULT_MTLS_MODE: MtlsMode = 'PERMISSIVE';

/**
 * Istio's ComposePeerAuthentication (pilot/pkg/security/authn):
 *
 *   mesh       a policy without selector in the root namespace;
 *   namespace  a policy without selector in the workload's namespace;
 *   workload   a policy with a selector, in the workload's namespace, whose labels it matches.
 *
 * A policy with a selector in the root namespace applies to nothing (Istio ignores it too). At each
 * level one policy counts: Istio takes the oldest, Weft (which keeps no creation time) the first by
 * name. The mode starts at PERMISSIVE and each level that sets one (not UNSET) replaces it, mesh,
 * then namespace, then workload. portLevelMtls (workload level only) overrides per port; UNSET
 * there inherits the workload's resolved mode. Ports are service ports: see docs/security-mtls.md.
 */
export function resolvePeerAuthentication(policies: readonly PeerAuthentication[], subject: PeerAuthnSubject, rootNamespace: string): InboundMtls {
  let mesh: PeerAuthentication | undefined;
  let namespace: PeerAuthentication | undefined;
  let workload: PeerAuthentication | undefined;
  const first = (a: PeerAuthentication | undefined, b: PeerAuthentication): PeerAuthentication => (a === undefined || compareStrings(b.metadata.name, a.metadata.name) < 0 ? b : a);
  for (const pa of policies) {
    const ns = pa.metadata.namespace;
    const selector = pa.spec.selector?.matchLabels;
    const wide = selector === undefined || Object.keys(selector).length === 0;
    if (wide) {
      if (ns === rootNamespace) mesh = first(mesh, pa);
      else if (ns === subject.namespace) namespace = first(namespace, pa);
    } else if (ns !== rootNamespace && ns === subject.namespace && selects(selector, subject.labels)) {
      workload = first(workload, pa);
    }
  }
  let mode = DEFAULT_MTLS_MODE;
  for (const level of [mesh, namespace, workload]) mode = modeOf(level?.spec.mtls?.mode) ?? mode;
  const ports = Object.entries(workload?.spec.portLevelMtls ?? {});
  if (ports.length === 0) return { mode };
  const portModes = ports
    .map(([port, m]) => ({ port: Number(port), mode: modeOf(m.mode) ?? mode }))
    .sort((a, b) => a.port - b.port);
  return { mode, portModes };
}

/** The mode on one service port. */
export function modeForPort(mtls: InboundMtls | undefined, port: number): MtlsMode {
  if (mtls === undefined) return DEFAULT_MTLS_MODE;
  if (mtls.portModes !== undefined) for (const p of mtls.portModes) if (p.port === port) return p.mode;
  return mtls.mode;
}

/** Resolution per workload, memoised by namespace and labels (many endpoints share them). */
export function indexPeerAuthentications(policies: readonly PeerAuthentication[], rootNamespace: string): (subject: PeerAuthnSubject) => InboundMtls {
  const cache = new Map<string, InboundMtls>();
  return (subject) => {
    if (policies.length === 0) return { mode: DEFAULT_MTLS_MODE };
    const key = `${subject.namespace}\n${JSON.stringify(Object.entries(subject.labels).sort((a, b) => compareStrings(a[0], b[0])))}`;
    let m = cache.get(key);
    if (m === undefined) cache.set(key, (m = resolvePeerAuthentication(policies, subject, rootNamespace)));
    return m;
  };
}

function modeOf(mode: PeerAuthenticationMode | undefined): MtlsMode | undefined {
  return mode === undefined || mode === 'UNSET' ? undefined : mode;
}
