/**
 * SnapshotStore: the in-memory half every backend shares — holds the committed resources and
 * revision, runs batches one at a time, and commits a batch only after its `persist` hook (a
 * whole-snapshot write for the fs backend, nothing for memory) has resolved.
 */
import { resourceKey, type Resource } from '../../api/resource.ts';
import { WeftError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { compareKeys, indexByKey, planBatch } from './batch.ts';
import type { BatchResult, ResourceRef, ResourceStore, StoreEvent, StoreListener } from './store.ts';

/** What a backend writes: everything, so that one atomic write is one atomic batch. */
export interface StoreSnapshot {
  readonly revision: number;
  readonly resources: readonly Resource[];
}

export interface SnapshotStoreOptions {
  readonly initial?: StoreSnapshot;
  /** Makes the snapshot durable; the batch is committed only if this resolves. */
  readonly persist?: (snapshot: StoreSnapshot) => Promise<void>;
  readonly logger?: Logger;
}

export class SnapshotStore implements ResourceStore {
  #resources: ReadonlyMap<string, Resource>;
  #revision: number;
  readonly #persist: (snapshot: StoreSnapshot) => Promise<void>;
  readonly #listeners = new Set<StoreListener>();
  readonly #logger: Logger;
  /** Tail of the batch queue: each batch starts when the previous one settled. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(opts: SnapshotStoreOptions = {}) {
    this.#resources = indexByKey(opts.initial?.resources ?? []);
    this.#revision = opts.initial?.revision ?? 0;
    this.#persist = opts.persist ?? (() => Promise.resolve());
    this.#logger = opts.logger ?? silentLogger;
  }

  get revision(): number {
    return this.#revision;
  }

  list(kind?: string): readonly Resource[] {
    const all = [...this.#resources.values()];
    const picked = kind === undefined ? all : all.filter((r) => r.kind === kind);
    return picked.sort((a, b) => compareKeys(resourceKey(a), resourceKey(b)));
  }

  get(key: string): Resource | undefined {
    return this.#resources.get(key);
  }

  applyBatch(upserts: readonly Resource[], deletes: readonly ResourceRef[]): Promise<BatchResult> {
    if (this.#closed) return Promise.reject(new WeftError('WEFT_STORE_CLOSED', 'the resource store is closed'));
    const run = this.#tail.then(() => this.#commit(upserts, deletes));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  watch(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail;
  }

  async #commit(upserts: readonly Resource[], deletes: readonly ResourceRef[]): Promise<BatchResult> {
    const plan = planBatch(this.#resources, upserts, deletes);
    if (!plan.changed) return { results: plan.results, revision: this.#revision };
    const revision = this.#revision + 1;
    const resources = [...plan.next.values()].sort((a, b) => compareKeys(resourceKey(a), resourceKey(b)));
    try {
      await this.#persist({ revision, resources });
    } catch (err) {
      throw new WeftError('WEFT_STORE_WRITE_FAILED', `could not save the configuration (nothing of this change was applied): ${(err as Error).message}`, { cause: err });
    }
    this.#resources = plan.next;
    this.#revision = revision;
    const event: StoreEvent = { revision, changes: plan.results.filter((r) => r.action !== 'unchanged' && r.action !== 'not-found') };
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        // A listener's bug must not undo or hide a committed batch.
        this.#logger.error({ err }, 'store watcher threw');
      }
    }
    return { results: plan.results, revision };
  }
}
