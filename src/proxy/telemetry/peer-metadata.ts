// Who a workload is, for metric labels, and Istio's metadata exchange: one compact header naming it, built once per sidecar, read back (and cached) on the other side.

/** Request header (outbound → inbound) and response header (inbound → outbound); never reaches an app. */
export const PEER_METADATA_HEADER = 'x-weft-peer-metadata';

/** Istio's value when a label's source is not known. */
export const UNKNOWN = 'unknown';
/** Istio's default `global.multiCluster.clusterName`; Weft has one cluster. */
export const DEFAULT_CLUSTER_NAME = 'Kubernetes';
/** Istio's default canonical revision when no label gives one. */
const LATEST = 'latest';
/** Wire format version: the first field of the header. */
const FORMAT = 'w1';
const FIELDS = 8;

/** The facts behind the source_* or destination_* labels of one workload (Istio's peer metadata). */
export interface PeerMetadata {
  /** Istio's workload name: the deployment's, not the instance's (see workloadNameOf). */
  readonly workload: string;
  readonly namespace: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  readonly cluster: string;
  /** SPIFFE id, "spiffe://cluster.local/ns/<ns>/sa/<sa>" (Istio's *_principal value). */
  readonly principal: string;
  /** The header value that carries this metadata. */
  readonly header: string;
}

export interface WorkloadFacts {
  readonly workload: string;
  readonly namespace: string;
  readonly service: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly principal: string;
  readonly cluster?: string;
}

/**
 * Istio's workload label names the Deployment ("reviews-v2"), not the pod. A Weft workload
 * instance ("reviews-v2-x7kq") has no deployment, so the name is built the way a Kubernetes
 * deployment of it is conventionally named: `<app>-<version>` when it has a version label, else
 * `<app>`; without an app label, the service it backs.
 */
export function workloadNameOf(w: Pick<WorkloadFacts, 'service' | 'labels'>): string {
  const app = w.labels.app ?? w.service;
  const version = w.labels.version;
  return version === undefined || version === '' ? app : `${app}-${version}`;
}

/** This workload's metadata, built once at sidecar start. */
export function localMetadata(w: WorkloadFacts): PeerMetadata {
  const l = w.labels;
  const workload = workloadNameOf(w);
  return withHeader({
    workload,
    namespace: w.namespace,
    app: l.app ?? UNKNOWN,
    version: l.version ?? UNKNOWN,
    // Istio: service.istio.io/canonical-name, else app.kubernetes.io/name, else app, else the workload name.
    canonicalService: l['service.istio.io/canonical-name'] ?? l['app.kubernetes.io/name'] ?? l.app ?? workload,
    canonicalRevision: l['service.istio.io/canonical-revision'] ?? l['app.kubernetes.io/version'] ?? l.version ?? LATEST,
    cluster: w.cluster ?? DEFAULT_CLUSTER_NAME,
    principal: w.principal,
  });
}

function withHeader(m: Omit<PeerMetadata, 'header'>): PeerMetadata {
  const parts = [FORMAT, m.workload, m.namespace, m.app, m.version, m.canonicalService, m.canonicalRevision, m.cluster, m.principal];
  return { ...m, header: parts.map((p) => encodeURIComponent(p)).join(';') };
}

/** The metadata in a header value, or null when it is not one Weft wrote (then the peer's labels are unknown). */
export function decodePeerMetadata(header: string): PeerMetadata | null {
  if (header.length > 2048) return null;
  const parts = header.split(';');
  if (parts.length !== FIELDS + 1 || parts[0] !== FORMAT) return null;
  const v: string[] = [];
  try {
    for (let i = 1; i <= FIELDS; i++) v.push(decodeURIComponent(parts[i]!));
  } catch {
    return null;
  }
  const [workload, namespace, app, version, canonicalService, canonicalRevision, cluster, principal] = v as [string, string, string, string, string, string, string, string];
  return { workload, namespace, app, version, canonicalService, canonicalRevision, cluster, principal, header };
}

/**
 * Decoded peers by header value. A mesh has few distinct peers, so after the first request from
 * each the lookup is one Map get; bounded so that a peer sending ever-new values cannot grow it.
 */
export class PeerMetadataCache {
  readonly #byHeader = new Map<string, PeerMetadata | null>();
  readonly #max: number;
  #lastHeader: string | null = null;
  #lastValue: PeerMetadata | null = null;

  constructor(max = 1024) {
    this.#max = max;
  }

  get(header: string): PeerMetadata | null {
    // A sidecar hears from the same few peers over and over: comparing with the last header (a
    // length check, then the bytes) is cheaper than hashing a new ~140-character string for the map.
    if (header === this.#lastHeader) return this.#lastValue;
    const m = this.#lookup(header);
    this.#lastHeader = header;
    this.#lastValue = m;
    return m;
  }

  #lookup(header: string): PeerMetadata | null {
    let m = this.#byHeader.get(header);
    if (m !== undefined) return m;
    m = decodePeerMetadata(header);
    if (this.#byHeader.size >= this.#max) this.#byHeader.clear();
    this.#byHeader.set(header, m);
    return m;
  }
}
