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
 *   GET  /v1/workloads/<ns>/<name>/secret               → WorkloadSecret (issue 4; 404 unknown, 502 sidecar unreachable)
 *   GET  /healthz                                       → { ok: true, version, revision }
 *
 * Every error answers with an ErrorBody ({ error: { code: "WEFT_…", message } }); a rejected
 * apply/delete answers 400 with an ApplyResponse that carries the ErrorBody's `error` as well.
 */
import type { Resource } from '../../api/resource.ts';
import type { WorkloadRegistration } from '../../model/control-protocol.ts';
import type { SecretDump } from '../../model/secret-dump.ts';
import type { FieldIssue, SourceText } from '../../api/field-issue.ts';

// SourceText and FieldIssue live in the api layer (which must not import the control plane).
export type { FieldIssue, SourceText } from '../../api/field-issue.ts';

export interface ApplyRequest {
  readonly sources: readonly SourceText[];
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
  /** Present when ok is false on /v1/apply and /v1/delete (HTTP 400): why nothing was applied. */
  readonly error?: ErrorBody['error'];
}

/** The body of every error response. `code` is a stable WEFT_* code (docs/errors.md). */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export interface HealthResponse {
  readonly ok: true;
  /** Weft's version (package.json). */
  readonly version: string;
  /** The resource store's revision. */
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

/** A registered workload as `GET /v1/workloads` lists it: its registration and when its lease lapses. */
export type WorkloadStatus = WorkloadRegistration & { readonly leaseExpiresAt: string };

export type ResourceList = { readonly items: readonly Resource[] };

/** Issue 4: `GET /v1/workloads/<ns>/<name>/secret`, what `weft proxy-config secret` shows: the sidecar's own /certs. */
export interface WorkloadSecret {
  readonly workload: string;
  readonly namespace: string;
  readonly service: string;
  readonly secret: SecretDump;
}
