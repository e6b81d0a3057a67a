/**
 * EdgeWindow: the sidecars' telemetry reports over a sliding window (default the last 60 s), in
 * slots of a few seconds, so that old data falls off a slot at a time and memory stays bounded:
 * at most maxEdges edges × (window / slot) slots, each a few numbers and a histogram.
 *
 *   report ─▶ edge key (source app/version → service → destination app/version)
 *          ─▶ that edge's slot for "now" (requests, errors, mTLS requests, latency buckets)
 *   read   ─▶ slots newer than now − window, merged per edge
 *
 * Edges are keyed by app and version, not by instance, so a restarted workload (a new instance
 * name) continues its node; the instances seen are kept per node for display, bounded.
 */
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { TelemetryReport, WorkloadRef } from '../../model/telemetry-report.ts';
import { emptyBuckets, mergeBuckets } from './latency.ts';

export interface EdgeWindowOptions {
  /** Default 60 s. */
  readonly windowMs?: number;
  /** Default 10 000. */
  readonly maxEdges?: number;
  readonly clock?: Clock;
}

export const DEFAULT_GRAPH_WINDOW_MS = 60_000;
export const DEFAULT_MAX_GRAPH_EDGES = 10_000;
const MAX_INSTANCES_PER_NODE = 20;

export interface EdgeEnd {
  readonly namespace: string;
  readonly app: string;
  readonly version: string;
}

export interface WindowEdge {
  /** null: the "unknown" caller (outside the mesh). */
  readonly source: EdgeEnd | null;
  readonly service: string;
  /** null: no workload answered. */
  readonly destination: EdgeEnd | null;
  readonly requests: number;
  readonly errors: number;
  readonly mtlsRequests: number;
  readonly buckets: readonly number[];
}

export interface WindowSnapshot {
  /** When it was taken (ms since the epoch, the window's clock). */
  readonly at: number;
  readonly windowMs: number;
  readonly coveredMs: number;
  readonly edges: readonly WindowEdge[];
  /** Instances seen per node key ("<ns>/<app>/<version>") in the window. */
  readonly instances: ReadonlyMap<string, readonly string[]>;
  readonly droppedEdges: number;
}

interface Slot {
  readonly n: number;
  requests: number;
  errors: number;
  mtlsRequests: number;
  readonly buckets: number[];
}

interface EdgeState {
  readonly source: EdgeEnd | null;
  readonly service: string;
  readonly destination: EdgeEnd | null;
  /** Oldest first; at most one per slot number. */
  slots: Slot[];
}

export class EdgeWindow {
  readonly windowMs: number;
  /** Slot length: a twelfth of the window, between 1 s and 5 s. */
  readonly slotMs: number;
  readonly #slots: number;
  readonly #maxEdges: number;
  readonly #clock: Clock;
  readonly #startedAt: number;
  #edges = new Map<string, EdgeState>();
  /** node key → instance → last seen (ms). */
  #instances = new Map<string, Map<string, number>>();
  /** Dropped edges per slot number (sidecar and control-plane bounds), for the window's total. */
  #dropped = new Map<number, number>();
  /** The slot number the last prune ran for: pruning runs once per slot, not per report. */
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(o: EdgeWindowOptions = {}) {
    this.windowMs = o.windowMs ?? DEFAULT_GRAPH_WINDOW_MS;
    if (!(this.windowMs >= 1_000)) throw new RangeError(`graph window ${this.windowMs} ms: must be at least 1 s`);
    this.slotMs = Math.min(5_000, Math.max(1_000, Math.round(this.windowMs / 12)));
    this.#slots = Math.ceil(this.windowMs / this.slotMs);
    this.#maxEdges = o.maxEdges ?? DEFAULT_MAX_GRAPH_EDGES;
    this.#clock = o.clock ?? systemClock;
    this.#startedAt = this.#clock.now();
  }

  /** How often sidecars should report: once per slot, so each slot holds fresh data. */
  get reportIntervalMs(): number { return this.slotMs; }

  add(report: TelemetryReport): void {
    const now = this.#clock.now();
    const n = Math.floor(now / this.slotMs);
    this.#prune(n);
    let dropped = report.droppedEdges;
    for (const e of report.edges) {
      const src = e.source === null ? null : endOf(e.source);
      const dst = e.destination === null ? null : endOf(e.destination);
      const key = `${src === null ? '' : nodeKey(src)}\u0000${e.destinationService}\u0000${dst === null ? '' : nodeKey(dst)}`;
      let st = this.#edges.get(key);
      if (st === undefined) {
        if (this.#edges.size >= this.#maxEdges) {
          dropped++;
          continue;
        }
        st = { source: src, service: e.destinationService, destination: dst, slots: [] };
        this.#edges.set(key, st);
      }
      let slot = st.slots[st.slots.length - 1];
      if (slot === undefined || slot.n !== n) {
        slot = { n, requests: 0, errors: 0, mtlsRequests: 0, buckets: emptyBuckets() };
        st.slots.push(slot);
      }
      slot.requests += e.requests;
      slot.errors += e.errors;
      if (e.mtls) slot.mtlsRequests += e.requests;
      mergeBuckets(slot.buckets, e.latencyBuckets);
      if (e.source !== null) this.#seen(e.source, now);
      if (e.destination !== null) this.#seen(e.destination, now);
    }
    if (dropped > 0) this.#dropped.set(n, (this.#dropped.get(n) ?? 0) + dropped);
  }

  snapshot(): WindowSnapshot {
    const now = this.#clock.now();
    const n = Math.floor(now / this.slotMs);
    this.#prune(n);
    const edges: WindowEdge[] = [];
    for (const st of this.#edges.values()) {
      let requests = 0;
      let errors = 0;
      let mtlsRequests = 0;
      const buckets = emptyBuckets();
      for (const s of st.slots) {
        requests += s.requests;
        errors += s.errors;
        mtlsRequests += s.mtlsRequests;
        mergeBuckets(buckets, s.buckets);
      }
      edges.push({ source: st.source, service: st.service, destination: st.destination, requests, errors, mtlsRequests, buckets });
    }
    const instances = new Map<string, string[]>();
    for (const [k, m] of this.#instances) instances.set(k, [...m.keys()].sort());
    let droppedEdges = 0;
    for (const d of this.#dropped.values()) droppedEdges += d;
    // The slots kept span (slots − 1) whole slots and the current one so far; less since start.
    // It is at most the window, and at least the window less one slot.
    const spanned = Math.min(this.windowMs, (this.#slots - 1) * this.slotMs + (now - n * this.slotMs));
    return { at: now, windowMs: this.windowMs, coveredMs: Math.max(1, Math.min(spanned, now - this.#startedAt)), edges, instances, droppedEdges };
  }

  /** Drops slots older than the window, and edges and instances left with nothing in it. */
  #prune(n: number): void {
    if (n === this.#prunedAt) return;
    this.#prunedAt = n;
    const oldest = n - this.#slots + 1;
    for (const [k, st] of this.#edges) {
      if (st.slots.length > 0 && st.slots[0]!.n < oldest) st.slots = st.slots.filter((s) => s.n >= oldest);
      if (st.slots.length === 0) this.#edges.delete(k);
    }
    for (const k of this.#dropped.keys()) if (k < oldest) this.#dropped.delete(k);
    const cutoff = this.#clock.now() - this.windowMs;
    for (const [k, m] of this.#instances) {
      for (const [i, t] of m) if (t < cutoff) m.delete(i);
      if (m.size === 0) this.#instances.delete(k);
    }
  }

  #seen(w: WorkloadRef, now: number): void {
    const k = nodeKey(w);
    let m = this.#instances.get(k);
    if (m === undefined) this.#instances.set(k, (m = new Map()));
    if (m.has(w.workload) || m.size < MAX_INSTANCES_PER_NODE) m.set(w.workload, now);
  }
}

function endOf(w: WorkloadRef): EdgeEnd {
  return { namespace: w.namespace, app: w.app, version: w.version };
}

export function nodeKey(e: EdgeEnd): string {
  return `${e.namespace}/${e.app}/${e.version}`;
}
