/**
 * ServiceRegistry: the services of the mesh and the live workloads behind them. A workload lives
 * while its sidecar renews its lease; a service, once seen, stays (callers then get 503 UH rather
 * than 404). Both are saved to the state directory on every membership change, so that after a
 * control-plane restart the known workloads come back with a fresh lease as a grace period and
 * proxies keep their endpoints while the sidecars reconnect.
 */
import { join } from 'node:path';
import type { ServiceEntryRecord, Workload } from '../compile/input.ts';
import type { WorkloadRegistration } from '../../model/control-protocol.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { readFileIfExists, removeTempFiles, writeFileAtomic } from '../store/atomic-file.ts';
import { LeaseTable } from './lease.ts';

export const REGISTRY_FILE = 'registry.json';
export const DEFAULT_LEASE_TTL_MS = 10_000;
const FORMAT = 'weft.registry/v1';

export type RegistryEvent =
  | { readonly type: 'registered'; readonly workload: Workload; readonly replaced: boolean }
  | { readonly type: 'deregistered' | 'expired'; readonly workload: Workload };

export type RegistryListener = (event: RegistryEvent) => void;

export interface RegistrySnapshot {
  readonly services: readonly ServiceEntryRecord[];
  readonly workloads: readonly Workload[];
}

export interface WorkloadLease {
  readonly workload: Workload;
  /** Wall-clock ms since the epoch. */
  readonly leaseExpiresAt: number;
}

export interface RegistryOptions {
  /** Where to persist; null (the default) keeps everything in memory. */
  readonly file?: string | null;
  readonly leaseTtlMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface RegistryFile {
  readonly format: typeof FORMAT;
  readonly services: readonly ServiceEntryRecord[];
  readonly workloads: readonly Workload[];
}

export class ServiceRegistry {
  readonly leaseTtlMs: number;
  readonly #file: string | null;
  readonly #logger: Logger;
  readonly #leases: LeaseTable;
  readonly #workloads = new Map<string, Workload>();
  readonly #services = new Map<string, ServiceEntryRecord>();
  readonly #listeners = new Set<RegistryListener>();
  #tail: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;

  constructor(opts: RegistryOptions = {}, initial?: RegistrySnapshot) {
    this.leaseTtlMs = opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#file = opts.file ?? null;
    this.#logger = opts.logger ?? silentLogger;
    this.#leases = new LeaseTable({ ttlMs: this.leaseTtlMs, clock: opts.clock ?? systemClock, onExpire: (keys) => this.#expire(keys) });
    for (const s of initial?.services ?? []) this.#services.set(keyOf(s.namespace, s.name), freeze(s));
    for (const w of initial?.workloads ?? []) {
      this.#workloads.set(keyOf(w.namespace, w.name), freeze(w));
      this.#addToService(w);
      this.#leases.grant(keyOf(w.namespace, w.name));
    }
  }

  /** Opens the registry saved in `dir` (or an empty one), giving every restored workload a fresh lease. */
  static async open(dir: string, opts: Omit<RegistryOptions, 'file'> = {}): Promise<ServiceRegistry> {
    const logger = opts.logger ?? silentLogger;
    const file = join(dir, REGISTRY_FILE);
    await removeTempFiles(file);
    const initial = parseFile(await readFileIfExists(file), file, logger);
    if (initial.workloads.length > 0) logger.info({ workloads: initial.workloads.length }, 'restored workloads from the last run; they keep their endpoints while their sidecars reconnect');
    return new ServiceRegistry({ ...opts, file }, initial);
  }

  /** Adds or replaces the workload ns/name, with a fresh lease; resolves once saved. */
  async register(registration: WorkloadRegistration): Promise<void> {
    const w = freeze(structuredClone(registration));
    const key = keyOf(w.namespace, w.name);
    const replaced = this.#workloads.has(key);
    this.#workloads.set(key, w);
    this.#addToService(w);
    this.#leases.grant(key);
    this.#emit({ type: 'registered', workload: w, replaced });
    await this.#save();
  }

  /** False when the workload is unknown (never registered, or its lease lapsed): the sidecar must register again. */
  renew(namespace: string, name: string): boolean {
    return this.#leases.renew(keyOf(namespace, name));
  }

  /** Removes the workload at once (a clean exit); false when it was not registered. */
  async deregister(namespace: string, name: string): Promise<boolean> {
    const key = keyOf(namespace, name);
    const w = this.#workloads.get(key);
    if (w === undefined) return false;
    this.#workloads.delete(key);
    this.#leases.revoke(key);
    this.#emit({ type: 'deregistered', workload: w });
    await this.#save();
    return true;
  }

  get(namespace: string, name: string): Workload | undefined {
    return this.#workloads.get(keyOf(namespace, name));
  }

  /** What compile() needs: every known service and every live workload, sorted. */
  snapshot(): RegistrySnapshot {
    return {
      services: [...this.#services.values()].sort(byNsName),
      workloads: [...this.#workloads.values()].sort(byNsName),
    };
  }

  /** Live workloads with the time their lease lapses. */
  leases(): WorkloadLease[] {
    return [...this.#workloads.values()].sort(byNsName).map((workload) => ({
      workload,
      leaseExpiresAt: this.#leases.expiresAt(keyOf(workload.namespace, workload.name)) ?? 0,
    }));
  }

  watch(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Stops the lease timer and waits for the last save. */
  async close(): Promise<void> {
    this.#leases.close();
    this.#listeners.clear();
    await this.#tail;
  }

  #expire(keys: readonly string[]): void {
    for (const key of keys) {
      const w = this.#workloads.get(key);
      if (w === undefined) continue;
      this.#workloads.delete(key);
      this.#logger.info({ workload: key }, 'workload lease lapsed; removed from the endpoint set');
      this.#emit({ type: 'expired', workload: w });
    }
    void this.#save();
  }

  /** A service's ports are every port any of its workloads has offered; they only grow. */
  #addToService(w: Workload): void {
    const key = keyOf(w.namespace, w.service);
    const before = this.#services.get(key);
    const ports = new Set([...(before?.ports ?? []), ...w.ports.map((p) => p.port)]);
    if (before !== undefined && ports.size === before.ports.length) return;
    this.#services.set(key, freeze({ name: w.service, namespace: w.namespace, ports: [...ports].sort((a, b) => a - b) }));
  }

  #emit(event: RegistryEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.#logger.error({ err }, 'registry watcher threw');
      }
    }
  }

  /**
   * Saves the current state after any save in progress. Saves that have not started yet share
   * one write (it reads the state when it starts). A failed save is logged, not thrown: the live
   * registry is right, only the restart grace would miss the change.
   */
  #save(): Promise<void> {
    const file = this.#file;
    if (file === null) return Promise.resolve();
    if (this.#queued !== null) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = null;
      const { services, workloads } = this.snapshot();
      const body: RegistryFile = { format: FORMAT, services, workloads };
      return writeFileAtomic(file, `${JSON.stringify(body, null, 1)}\n`);
    }).catch((err: unknown) => {
      this.#logger.warn({ err, file }, 'could not save the registry; a control-plane restart would forget recent workloads');
    });
    this.#queued = run;
    this.#tail = run;
    return run;
  }
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function byNsName(a: { namespace: string; name: string }, b: { namespace: string; name: string }): number {
  const x = keyOf(a.namespace, a.name);
  const y = keyOf(b.namespace, b.name);
  return x < y ? -1 : x > y ? 1 : 0;
}

function freeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) freeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The registry is soft state: an unreadable file costs only the restart grace, so it is logged and skipped. */
function parseFile(text: string | null, file: string, logger: Logger): RegistrySnapshot {
  const empty = { services: [], workloads: [] };
  if (text === null) return empty;
  try {
    const b = JSON.parse(text) as Partial<RegistryFile>;
    if (b.format !== FORMAT || !Array.isArray(b.services) || !Array.isArray(b.workloads)) throw new Error(`not a ${FORMAT} file`);
    return { services: b.services, workloads: b.workloads };
  } catch (err) {
    logger.warn({ err, file }, 'ignoring an unreadable registry file; sidecars will register again on their next lease renewal');
    return empty;
  }
}
