/**
 * EdgeAggregator: what this sidecar saw as the source of requests (Istio's reporter=source),
 * folded per edge (destination service × destination workload × mTLS) until the next report
 * takes it. Requests that come in from outside the mesh (no peer certificate, no sidecar's
 * metadata) are folded as edges from the "unknown" source to this workload, since no sidecar will
 * report them.
 *
 * Runs once per request at stream end: a string key, one map lookup, a few additions. Memory is
 * bounded by maxEdges per report interval; edges beyond it are counted, not kept.
 */
import type { Cluster, ClusterTransport, Endpoint, NodeInfo } from '../../model/proxy-config.ts';
import { LATENCY_BUCKETS_MS, latencyBucket, type EdgeReport, type WorkloadRef } from '../../model/telemetry-report.ts';
import type { StreamRecord } from '../http/connection-manager.ts';

/** Edges kept per report interval; a sidecar talking to more destinations than this in a few seconds is not a graph anyone reads. */
export const DEFAULT_MAX_EDGES = 1_000;
const SVC_SUFFIX = '.svc.cluster.local';

interface EdgeCounter {
  /** The cluster the counter was made for (the hot-path index checks it: an endpoint object could be shared). */
  readonly cluster: string;
  readonly source: WorkloadRef | null;
  readonly destinationService: string;
  readonly destination: WorkloadRef | null;
  readonly mtls: boolean;
  requests: number;
  errors: number;
  latencySumMs: number;
  readonly buckets: number[];
}

export class EdgeAggregator {
  readonly #self: WorkloadRef;
  readonly #selfService: string;
  readonly #maxEdges: number;
  #edges = new Map<string, EdgeCounter>();
  /**
   * The hot path's index: one counter per endpoint object. A config version's endpoint objects
   * belong to one cluster each (checked), so the object fixes service, workload and mTLS; the same
   * edge under two objects (two config versions, or a subset cluster and the whole-service one)
   * is two entries of one report, merged by the control plane.
   */
  #byEndpoint = new Map<Endpoint, EdgeCounter>();
  #dropped = 0;
  #transports = new Map<string, ClusterTransport>();

  constructor(node: Pick<NodeInfo, 'workload' | 'namespace' | 'service' | 'labels'>, maxEdges = DEFAULT_MAX_EDGES) {
    this.#self = workloadRef(node.namespace, node.workload, node.labels, node.service);
    this.#selfService = `${node.service}.${node.namespace}${SVC_SUFFIX}`;
    this.#maxEdges = maxEdges;
  }

  /** The clusters of a new config version: their transport says whether a request to them went over mesh mTLS. */
  setClusters(clusters: readonly Cluster[]): void {
    const m = new Map<string, ClusterTransport>();
    for (const c of clusters) m.set(c.name, c.transport);
    this.#transports = m;
  }

  /** Folds one finished stream in; `durationMs` is its whole duration. */
  record(r: StreamRecord, durationMs: number): void {
    const info = r.info;
    const code = info.responseCode;
    const failed = code >= 500 || code === 0;
    if (info.direction === 'inbound') {
      // A peer with a sidecar reports this request itself, as its source: one with a verified
      // certificate, or one that sent its metadata over plaintext (PeerAuthentication DISABLE).
      if (info.peerIdentity !== '' || info.callerReports) return;
      this.#add(`\u0000unknown\u0000${this.#selfService}`, '', null, this.#selfService, this.#self, false, failed, durationMs);
      return;
    }
    const ep = info.upstreamEndpoint;
    if (ep !== null) {
      const hit = this.#byEndpoint.get(ep);
      if (hit !== undefined && hit.cluster === info.upstreamCluster) {
        count(hit, failed, durationMs);
        return;
      }
    }
    const cluster = info.upstreamCluster;
    const service = cluster !== '' ? cluster.slice(cluster.lastIndexOf('|') + 1) : hostOf(r.request.authority);
    const mtls = ep !== null && isMeshMtls(this.#transports.get(cluster), ep);
    const key = ep === null ? `${service}\u0000` : `${cluster}\u0000${ep.workload}\u0000${mtls ? 1 : 0}`;
    const c = this.#edges.get(key)
      ?? this.#newCounter(key, cluster, this.#self, service, ep === null ? null : workloadRef(namespaceOf(service, this.#self.namespace), ep.workload, ep.labels, shortName(service)), mtls);
    if (c === null) return;
    if (ep !== null) this.#byEndpoint.set(ep, c);
    count(c, failed, durationMs);
  }

  /** Everything folded since the last call, as report edges; starts a new interval. */
  take(): { edges: EdgeReport[]; droppedEdges: number } {
    const edges: EdgeReport[] = [];
    for (const c of this.#edges.values()) {
      let n = c.buckets.length;
      while (n > 0 && c.buckets[n - 1] === 0) n--;
      edges.push({
        source: c.source,
        destinationService: c.destinationService,
        destination: c.destination,
        mtls: c.mtls,
        requests: c.requests,
        errors: c.errors,
        latencyBuckets: c.buckets.slice(0, n),
        latencySumMs: Math.round(c.latencySumMs * 1000) / 1000,
      });
    }
    const droppedEdges = this.#dropped;
    this.#edges = new Map();
    this.#byEndpoint = new Map();
    this.#dropped = 0;
    return { edges, droppedEdges };
  }

  #add(key: string, cluster: string, source: WorkloadRef | null, service: string, dest: WorkloadRef | null, mtls: boolean, failed: boolean, durationMs: number): void {
    const c = this.#edges.get(key) ?? this.#newCounter(key, cluster, source, service, dest, mtls);
    if (c !== null) count(c, failed, durationMs);
  }

  #newCounter(key: string, cluster: string, source: WorkloadRef | null, service: string, dest: WorkloadRef | null, mtls: boolean): EdgeCounter | null {
    if (this.#edges.size >= this.#maxEdges) {
      this.#dropped++;
      return null;
    }
    const c: EdgeCounter = {
      cluster, source, destinationService: service, destination: dest, mtls,
      requests: 0, errors: 0, latencySumMs: 0, buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
    };
    this.#edges.set(key, c);
    return c;
  }
}

function count(c: EdgeCounter, failed: boolean, durationMs: number): void {
  c.requests++;
  if (failed) c.errors++;
  c.latencySumMs += durationMs;
  c.buckets[latencyBucket(durationMs)]!++;
}

/** Mesh mTLS to this endpoint: always for ISTIO_MUTUAL, and for AUTO unless the endpoint takes only plaintext. */
function isMeshMtls(transport: ClusterTransport | undefined, ep: Endpoint): boolean {
  return transport === 'ISTIO_MUTUAL' || (transport === 'AUTO' && ep.mtls !== false);
}

function workloadRef(namespace: string, workload: string, labels: Readonly<Record<string, string>>, service: string): WorkloadRef {
  return { namespace, workload, app: labels.app ?? service, version: labels.version ?? 'unknown' };
}

/** "user-service.default.svc.cluster.local" → "default"; a host of another shape → the caller's namespace. */
function namespaceOf(fqdn: string, fallback: string): string {
  if (!fqdn.endsWith(SVC_SUFFIX)) return fallback;
  const parts = fqdn.slice(0, -SVC_SUFFIX.length).split('.');
  return parts.length === 2 ? parts[1]! : fallback;
}

const shortName = (fqdn: string): string => fqdn.split('.', 1)[0]!;

/** The host of an authority, without its port ("[::1]:80" → "[::1]"). */
function hostOf(authority: string): string {
  if (authority === '') return 'unknown';
  const i = authority.lastIndexOf(':');
  return i > 0 && !authority.endsWith(']') ? authority.slice(0, i) : authority;
}
