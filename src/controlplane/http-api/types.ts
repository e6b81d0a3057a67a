/**
 * The control plane's CLI-facing HTTP API (JSON bodies), used by `weft apply/delete/get/analyze/
 * proxy-status`. The proxy-facing half is in model/control-protocol.ts.
 *
 *   POST /v1/apply      ApplyRequest   → ApplyResponse   (400 with errors when anything is invalid: nothing applied)
 *   POST /v1/delete     ApplyRequest   → ApplyResponse
 *   POST /v1/analyze    ApplyRequest   → ApplyResponse   (validates against the stored config; changes nothing)
 *   GET  /v1/resources?kind=K[&namespace=N][&name=X]   → { items: Resource[] }
 *   GET  /v1/proxies                                    → { proxies: ProxyStatus[] }
 *   GET  /v1/workloads                                  → { workloads: WorkloadStatus[] }
 *   GET  /healthz                                       → { ok: true, version }
 */
import type { Resource } from '../../api/resource.ts';

export interface SourceText {
  /** File name as the user gave it ("-" for stdin); errors cite it. */
  readonly name: string;
  readonly text: string;
}

export interface ApplyRequest {
  readonly sources: readonly SourceText[];
}

/** One finding about the input, located precisely. */
export interface FieldIssue {
  readonly file: string;
  /** 1-based; 0 when the finding has no single place (e.g. across files). */
  readonly line: number;
  readonly column: number;
  /** "<Kind>/<namespace>/<name>" when known. */
  readonly resource?: string;
  /** Dotted path inside the document: "spec.http[0].route[1].weight". */
  readonly path: string;
  readonly message: string;
}

export interface ResourceResult {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly action: 'created' | 'configured' | 'unchanged' | 'deleted' | 'not-found';
}

export interface ApplyResponse {
  readonly ok: boolean;
  readonly results: readonly ResourceResult[];
  readonly errors: readonly FieldIssue[];
  /** "accepted but not yet enforced" notices and other warnings; never block an apply. */
  readonly warnings: readonly FieldIssue[];
  /** Store revision after the operation. */
  readonly revision: number;
}

export type SyncState = 'SYNCED' | 'STALE' | 'NACKED' | 'NOT SENT' | 'DISCONNECTED';

export interface ProxyStatus {
  readonly id: string;
  readonly workload: string;
  readonly namespace: string;
  readonly service: string;
  readonly version: string;
  readonly connected: boolean;
  /** Latest version the control plane sent / the proxy acknowledged. */
  readonly sentVersion: string | null;
  readonly ackedVersion: string | null;
  readonly state: SyncState;
  /** NACK reason, when state is NACKED. */
  readonly nackReason?: string;
  readonly lastSeen: string;
}

export interface WorkloadStatus {
  readonly name: string;
  readonly namespace: string;
  readonly service: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly address: string;
  readonly ports: readonly { readonly port: number; readonly targetPort: number }[];
  readonly leaseExpiresAt: string;
}

export type ResourceList = { readonly items: readonly Resource[] };
