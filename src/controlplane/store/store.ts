/**
 * ResourceStore: the source of truth for Istio-API resources — listed, read, changed in atomic
 * batches that bump one store-wide revision, and watched. Backends (fs, memory, later Kubernetes
 * or a database) share this interface and test/conformance/store.suite.ts.
 */
import type { Resource } from '../../api/resource.ts';

/** Identifies one stored resource; its key is "<kind>/<namespace>/<name>" (api/resource.ts resourceKey). */
export interface ResourceRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export type ResourceAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'not-found';

export interface ResourceResult extends ResourceRef {
  readonly action: ResourceAction;
}

export interface BatchResult {
  /** One entry per upsert, then one per delete, in the order given. */
  readonly results: readonly ResourceResult[];
  /** Store revision after the batch; unchanged when no result is created, configured or deleted. */
  readonly revision: number;
}

/** Fired once per committed batch that changed something, after it is durable. */
export interface StoreEvent {
  readonly revision: number;
  /** Only the results that changed the store (created, configured, deleted). */
  readonly changes: readonly ResourceResult[];
}

export type StoreListener = (event: StoreEvent) => void;

export interface ResourceStore {
  /** Starts at 0 for an empty store; +1 per batch that changed something. */
  readonly revision: number;
  /** Every resource (or those of one kind), sorted by key. Returned objects are frozen. */
  list(kind?: string): readonly Resource[];
  /** By key "<kind>/<namespace>/<name>". */
  get(key: string): Resource | undefined;
  /**
   * Applies all upserts, then all deletes, as one atomic step: when the promise resolves the whole
   * batch is committed (durably, for a durable backend); when it rejects nothing of it is.
   * Batches run one at a time in call order.
   */
  applyBatch(upserts: readonly Resource[], deletes: readonly ResourceRef[]): Promise<BatchResult>;
  /** Calls `listener` after every committed change; returns the unsubscribe function. */
  watch(listener: StoreListener): () => void;
  /** Waits for batches in flight; later calls to applyBatch reject. */
  close(): Promise<void>;
}

/** Key of a ref, the same string as api/resource.ts resourceKey() gives for the resource. */
export function refKey(ref: ResourceRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function refOf(r: Pick<Resource, 'kind' | 'metadata'>): ResourceRef {
  return { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name };
}
