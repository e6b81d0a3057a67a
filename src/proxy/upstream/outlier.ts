/**
 * OutlierDetector: Envoy's consecutive-error outlier detection for one cluster, as a state
 * machine of its own fed by response classes (linkerd's breakers are shaped the same way) and
 * kept off the request path: forward() reports each attempt's status to the endpoint's
 * HostMonitor, and the balancer reads `eligible()`.
 *
 *   HostMonitor:  healthy ──(consecutive5xxErrors 5xx, or consecutiveGatewayErrors 502/503/504)──▶ ejected
 *                 ejected ──(baseEjectionTime × backoff, capped at max(300 s, base), elapsed)──────▶ healthy
 *
 * Semantics are Envoy's (source/common/upstream/outlier_detection_impl.cc), with
 * split_external_local_origin_errors off as Istio leaves it: a locally originated failure counts
 * as the status Envoy maps it to (connect failure or reset → 503, timeout → 504).
 * - A counter triggers when it reaches its threshold exactly; the triggering counter is reset
 *   whether or not the ejection happens; an already ejected host ignores triggers. A non-5xx
 *   status resets both counters; a 5xx that is not a gateway error resets the gateway counter.
 * - An ejection happens only if 100 × (ejected + 1) / hosts ≤ maxEjectionPercent — an exact
 *   comparison, no rounding, and no "at least one" rule (Envoy's always_eject_one_host is off by
 *   default and Istio does not set it): with 3 hosts and 10 %, nothing is ever ejected.
 * - Ejection time = min(baseEjectionTime × backoff, max(300 s, base)); backoff grows by one per
 *   ejection (while backoff × base < max + base) and shrinks by one per interval the host spends
 *   healthy after its return, so a host that keeps failing stays out longer and longer.
 * - Returns are checked on an interval timer (armed only while some host is ejected or has a
 *   backoff to decay) and lazily whenever the balancer reads the eligible set.
 * - Panic (Istio's minHealthPercent = Envoy's healthy_panic_threshold): when the healthy share
 *   is below the threshold the balancer uses every host, ejected or not — unless the healthy
 *   share × 1.4 (Envoy's overprovisioning factor) still reaches 100 %. With threshold 0 and
 *   every host ejected the eligible set is empty: 503 UH, as in Envoy.
 */
import type { Clock, Timer } from '../../lib/clock.ts';
import type { OutlierPolicy } from '../../model/proxy-config.ts';

/** Envoy's default max_ejection_time (Istio does not set it); the cap is never below the base. */
const DEFAULT_MAX_EJECTION_TIME_MS = 300_000;
/** Envoy's default overprovisioning factor (1.4) as a percentage. */
const OVERPROVISIONING_PERCENT = 140;

/** A cluster member the detector watches (an endpoint pool): the monitor is stored on it for the hot path. */
export interface OutlierHost {
  outlier: HostMonitor | null;
}

/** The outlier state of one endpoint of one cluster. */
export class HostMonitor {
  consecutive5xx = 0;
  consecutiveGateway = 0;
  ejected = false;
  /** Times this host has been ejected (a stat; the ejection time uses `backoff`). */
  ejections = 0;
  /** Envoy's ejectTimeBackoff: the multiplier of the next ejection time. */
  backoff = 0;
  /** Monotonic ms: when the current ejection ends, and when the host last returned (-1: never ejected). */
  ejectedUntil = 0;
  unejectedAt = -1;
  readonly #detector: OutlierDetector<OutlierHost>;

  constructor(detector: OutlierDetector<OutlierHost>) {
    this.#detector = detector;
  }

  /**
   * The class of one attempt's outcome: the response status when its head arrived, or the status
   * Envoy maps a local failure to (503 connect failure or reset, 504 timeout).
   */
  putStatus(status: number): void {
    if (status < 500 || status > 599) {
      this.consecutive5xx = 0;
      this.consecutiveGateway = 0;
      return;
    }
    const p = this.#detector.policy;
    if (status >= 502 && status <= 504) {
      if (++this.consecutiveGateway === p.consecutiveGatewayErrors) {
        this.consecutiveGateway = 0;
        this.#detector.onConsecutiveErrors(this);
      }
    } else {
      this.consecutiveGateway = 0;
    }
    if (++this.consecutive5xx === p.consecutive5xxErrors) {
      this.consecutive5xx = 0;
      this.#detector.onConsecutiveErrors(this);
    }
  }
}

export class OutlierDetector<T extends OutlierHost> {
  policy: OutlierPolicy;
  readonly #clock: Clock;
  #members: readonly T[] = [];
  #monitors = new Map<T, HostMonitor>();
  #eligible: readonly T[] = [];
  #ejectedCount = 0;
  /** Earliest monotonic time an ejected host is due back (Infinity when none is ejected). */
  #nextReturn = Infinity;
  #timer: Timer | null = null;
  #destroyed = false;

  constructor(policy: OutlierPolicy, clock: Clock) {
    this.policy = policy;
    this.#clock = clock;
  }

  /** New policy from a new config version; ejections and counters stay. */
  configure(policy: OutlierPolicy): void {
    this.policy = policy;
    this.#recompute();
  }

  /** The cluster's members for this config version: monitors of hosts still present are kept. */
  setHosts(members: readonly T[]): void {
    const next = new Map<T, HostMonitor>();
    for (const m of members) {
      if (next.has(m)) continue;
      let mon = this.#monitors.get(m);
      if (mon === undefined) mon = new HostMonitor(this as OutlierDetector<OutlierHost>);
      next.set(m, mon);
      m.outlier = mon;
    }
    for (const [m, mon] of this.#monitors) {
      if (next.has(m)) continue;
      if (m.outlier === mon) m.outlier = null;
    }
    this.#monitors = next;
    this.#members = members;
    this.#ejectedCount = 0;
    for (const mon of next.values()) if (mon.ejected) this.#ejectedCount++;
    this.#recompute();
  }

  /** The hosts the balancer may pick from now: the healthy ones, or all of them in panic. */
  eligible(): readonly T[] {
    if (this.#ejectedCount > 0 && this.#clock.monotonic() >= this.#nextReturn) this.#returnDue(this.#clock.monotonic());
    return this.#eligible;
  }

  get ejectedCount(): number { return this.#ejectedCount; }

  /** Whether the balancer currently ignores ejections because too few hosts are healthy. */
  get panic(): boolean {
    return this.#ejectedCount > 0 && this.#eligible === this.#members;
  }

  monitorOf(m: T): HostMonitor | undefined {
    return this.#monitors.get(m);
  }

  /** Stops the timer and detaches the monitors (the cluster left, or lost its outlierDetection). */
  destroy(): void {
    this.#destroyed = true;
    this.#timer?.cancel();
    this.#timer = null;
    for (const [m, mon] of this.#monitors) if (m.outlier === mon) m.outlier = null;
    this.#monitors.clear();
    this.#members = [];
    this.#eligible = [];
    this.#ejectedCount = 0;
  }

  // === transitions ===

  /** A counter of `mon` reached its threshold (Envoy's ejectHost). */
  onConsecutiveErrors(mon: HostMonitor): void {
    if (mon.ejected || this.#destroyed) return;
    const hosts = this.#monitors.size;
    if (hosts === 0) return;
    const maxPercent = Math.min(100, this.policy.maxEjectionPercent);
    if ((100 * (this.#ejectedCount + 1)) / hosts > maxPercent) return;
    const now = this.#clock.monotonic();
    const base = this.policy.baseEjectionTimeMs;
    const max = Math.max(DEFAULT_MAX_EJECTION_TIME_MS, base);
    if (mon.backoff * base < max + base) mon.backoff++;
    mon.ejected = true;
    mon.ejections++;
    mon.ejectedUntil = now + Math.min(base * mon.backoff, max);
    this.#ejectedCount++;
    if (mon.ejectedUntil < this.#nextReturn) this.#nextReturn = mon.ejectedUntil;
    this.#recompute();
    this.#arm();
  }

  #uneject(mon: HostMonitor, now: number): void {
    mon.ejected = false;
    mon.unejectedAt = now;
    // Envoy resets the counters so a host back from ejection is not re-ejected by a few errors.
    mon.consecutive5xx = 0;
    mon.consecutiveGateway = 0;
    this.#ejectedCount--;
  }

  /** Returns every host whose ejection time is over. */
  #returnDue(now: number): void {
    let next = Infinity;
    let changed = false;
    for (const mon of this.#monitors.values()) {
      if (!mon.ejected) continue;
      if (mon.ejectedUntil <= now) {
        this.#uneject(mon, now);
        changed = true;
      } else if (mon.ejectedUntil < next) {
        next = mon.ejectedUntil;
      }
    }
    this.#nextReturn = next;
    if (changed) this.#recompute();
  }

  /** Envoy's interval timer: returns due hosts, then decays the backoff of hosts healthy for a whole interval. */
  #onInterval(): void {
    this.#timer = null;
    if (this.#destroyed) return;
    const now = this.#clock.monotonic();
    this.#returnDue(now);
    const interval = this.policy.intervalMs;
    for (const mon of this.#monitors.values()) {
      if (!mon.ejected && mon.backoff > 0 && mon.unejectedAt >= 0 && now - mon.unejectedAt >= interval) mon.backoff--;
    }
    this.#arm();
  }

  /** Arms the interval timer while there is something to return or decay; idle clusters cost no timer. */
  #arm(): void {
    if (this.#timer !== null || this.#destroyed) return;
    let work = this.#ejectedCount > 0;
    if (!work) for (const mon of this.#monitors.values()) if (mon.backoff > 0) { work = true; break; }
    if (!work) return;
    this.#timer = this.#clock.setTimeout(() => this.#onInterval(), Math.max(1, this.policy.intervalMs));
  }

  #recompute(): void {
    const total = this.#members.length;
    if (this.#ejectedCount === 0 || total === 0) {
      this.#eligible = this.#members;
      return;
    }
    const healthy = this.#members.filter((m) => !(this.#monitors.get(m)?.ejected ?? false));
    // Envoy: no panic while healthy% × 1.4 ≥ 100 (normalized availability is full).
    const full = healthy.length * OVERPROVISIONING_PERCENT >= 100 * total;
    const panic = !full && healthy.length * 100 < this.policy.minHealthPercent * total;
    this.#eligible = panic ? this.#members : healthy;
  }
}
