/**
 * The wire contract between a sidecar and the control plane: registration and leases,
 * certificate signing, and the push stream of ProxyConfig snapshots with ACK / NACK.
 * All bodies are JSON; the push stream is newline-delimited JSON (one PushMessage per line).
 *
 *   POST   /v1/workloads                         WorkloadRegistration  → RegistrationResponse
 *   PUT    /v1/workloads/<ns>/<name>/lease        (empty)               → RegistrationResponse | 404 (re-register)
 *   DELETE /v1/workloads/<ns>/<name>                                    → 204
 *   POST   /v1/certificates                      CertificateRequest    → CertificateResponse
 *   GET    /v1/proxies/<proxy-id>/stream          (long-lived)          → NDJSON PushMessage*
 *   POST   /v1/proxies/<proxy-id>/ack             ConfigAck             → 204
 */
import type { ProxyConfig, NodeInfo } from './proxy-config.ts';

export interface WorkloadPort {
  /** The service port callers use in URLs (`http://order-service:8080/`). */
  readonly port: number;
  /** Where this workload's sidecar accepts mTLS for that port. */
  readonly targetPort: number;
  readonly protocol: 'http';
  readonly name?: string;
}

export interface WorkloadRegistration {
  /** Unique per instance, e.g. "user-service-v2-4k7q". */
  readonly name: string;
  readonly namespace: string;
  /** The service this workload backs (Kubernetes Service name). */
  readonly service: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** Address peers connect to (127.0.0.1 in local mode). */
  readonly address: string;
  readonly ports: readonly WorkloadPort[];
  /** Issue 5: the sidecar's admin port on `address` (/stats/prometheus), for Prometheus service discovery; absent from older sidecars. */
  readonly adminPort?: number;
}

export interface RegistrationResponse {
  /** The lease lapses this long after the last renewal; renew well before (a third of it). */
  readonly leaseTtlMs: number;
}

export interface CertificateRequest {
  /** PEM PKCS#10 CSR carrying the SPIFFE URI SAN the proxy asks for. */
  readonly csr: string;
  /** Requested lifetime; the CA may shorten it. */
  readonly ttlMs?: number;
}

export interface CertificateResponse {
  /** Leaf first, then intermediates (PEM). */
  readonly certChain: readonly string[];
  /** Root certificates to trust for peers (PEM). */
  readonly trustBundle: readonly string[];
  readonly notAfter: string;
}

export type PushMessage =
  | { readonly type: 'snapshot'; readonly version: string; readonly config: ProxyConfig }
  /** Sent every few seconds so that both ends notice a dead stream. */
  | { readonly type: 'ping' };

export interface ConfigAck {
  readonly version: string;
  /** Absent for an ACK; the reason for a NACK. */
  readonly error?: string;
}

/** The proxy id the control plane and proxy agree on. */
export function proxyIdOf(node: Pick<NodeInfo, 'workload' | 'namespace'>): string {
  return `${node.workload}.${node.namespace}`;
}

/** The NodeInfo of a registered workload: who a compiled config is for. */
export function nodeInfoOf(w: WorkloadRegistration): NodeInfo {
  return {
    id: proxyIdOf({ workload: w.name, namespace: w.namespace }),
    workload: w.name,
    namespace: w.namespace,
    service: w.service,
    serviceAccount: w.serviceAccount,
    labels: w.labels,
  };
}
