/**
 * CircuitBreaker: Envoy's per-cluster resource manager — the connection, pending-request,
 * request and retry budgets of one cluster (DestinationRule connectionPool), shared by the
 * cluster's endpoint pools. Pools ask it before they open, queue or attach; the retry stage asks
 * it before a retry. Over a threshold the answer is an immediate 503 UO (OverflowError).
 *
 *   request ─▶ pool: idle connection? ── yes ─▶ attach (requests < maxRequests, else UO)
 *                    └─ no ─▶ pending < maxPendingRequests? ── no ─▶ UO
 *                              └─ yes ─▶ queue (FIFO per pool); open a connection when
 *                                        connections < maxConnections, or the pool has none
 *                                        (Envoy: a host the balancer picked always gets one)
 *
 * Counters are plain integers read and written on the event loop; they survive config versions
 * (the breaker lives as long as its cluster) so a new snapshot neither forgets open connections
 * nor grants a fresh budget.
 */
import type { ConnectionPoolPolicy } from '../../model/proxy-config.ts';
import { OverflowError } from '../errors.ts';

/** The four thresholds of Envoy's circuit breaker (per cluster, default priority). */
export interface Thresholds {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

/**
 * Istio's defaults when a DestinationRule sets no connectionPool: every threshold at 2^32−1
 * (istio's cluster builder sets these instead of Envoy's 1024/1024/1024/3), i.e. effectively
 * unlimited — but through the same code path as a configured limit.
 */
export const ISTIO_DEFAULT_THRESHOLDS: Thresholds = {
  maxConnections: 2 ** 32 - 1,
  maxPendingRequests: 2 ** 32 - 1,
  maxRequests: 2 ** 32 - 1,
  maxRetries: 2 ** 32 - 1,
};

export function thresholdsOf(policy: ConnectionPoolPolicy | undefined): Thresholds {
  if (policy === undefined) return ISTIO_DEFAULT_THRESHOLDS;
  return {
    maxConnections: policy.maxConnections,
    maxPendingRequests: policy.maxPendingRequests,
    maxRequests: policy.maxRequests,
    maxRetries: policy.maxRetries,
  };
}

/** A pool that waits for the cluster's connection budget to free up (it has queued requests). */
export interface SlotWaiter {
  /** A connection of the cluster closed: open one now if still needed. */
  onConnectionSlot(): void;
}

export type OverflowLimit = 'max_connections' | 'max_pending_requests' | 'max_requests' | 'max_retries';

export class CircuitBreaker {
  readonly cluster: string;
  /** Connections of the cluster, open or opening (Envoy counts both). */
  connections = 0;
  /** Requests queued for a connection (including those whose connection is being opened). */
  pending = 0;
  /** Requests attached to a connection, until their exchange ends. */
  requests = 0;
  /** Retries in flight: from the decision to retry until that attempt's outcome is known. */
  retries = 0;
  #t: Thresholds;
  /** Pools with queued requests that could not open a connection, in the order they started waiting. */
  #starved = new Set<SlotWaiter>();
  /** One immutable error per limit, built on first use: a refused request allocates nothing. */
  #errors = new Map<OverflowLimit, OverflowError>();

  constructor(cluster: string, thresholds: Thresholds = ISTIO_DEFAULT_THRESHOLDS) {
    this.cluster = cluster;
    this.#t = thresholds;
  }

  get thresholds(): Thresholds { return this.#t; }

  /** New thresholds from a new config version; the counters stay. A raised connection limit may serve starved pools at once. */
  configure(t: Thresholds): void {
    this.#t = t;
    if (this.#starved.size > 0) this.#wake();
  }

  canConnect(): boolean { return this.connections < this.#t.maxConnections; }
  canQueue(): boolean { return this.pending < this.#t.maxPendingRequests; }
  canAttach(): boolean { return this.requests < this.#t.maxRequests; }

  /**
   * The retry stage asks before each retry (Envoy's retries().canCreate()). True takes one unit
   * of the cluster's maxRetries budget: the caller must call endRetry() exactly once when that
   * retry attempt's outcome is known (response head, error, or the request abandoned). False:
   * the budget is spent; the retry is not made and the last answer stands (flag UO).
   */
  tryStartRetry(): boolean {
    if (this.retries >= this.#t.maxRetries) return false;
    this.retries++;
    return true;
  }

  endRetry(): void {
    if (this.retries > 0) this.retries--;
  }

  /** The shared error for a refused request. */
  overflow(limit: OverflowLimit): OverflowError {
    let e = this.#errors.get(limit);
    if (e === undefined) this.#errors.set(limit, (e = new OverflowError(this.cluster, limit)));
    return e;
  }

  /** `w` has queued requests and no connection budget: it hears of the next free slot. */
  waitForSlot(w: SlotWaiter): void {
    this.#starved.add(w);
  }

  /**
   * A connection of the cluster closed (or failed to open). `owner`, the pool it belonged to when
   * that pool has queued requests, gets the freed slot first; then pools starved the longest.
   */
  connectionClosed(owner: SlotWaiter | null = null): void {
    if (this.connections > 0) this.connections--;
    if (owner !== null) {
      this.#starved.delete(owner);
      owner.onConnectionSlot();
    }
    if (this.#starved.size > 0) this.#wake();
  }

  #wake(): void {
    // Bounded: a pool re-adds itself only when it could not connect, and then we stop.
    for (const w of this.#starved) {
      if (!this.canConnect()) return;
      this.#starved.delete(w);
      w.onConnectionSlot();
    }
  }
}
