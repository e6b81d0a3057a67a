/**
 * LeaseTable: keys that stay alive only while renewed within `ttlMs`, on an injected Clock. One
 * timer at a time, set for the earliest deadline; since every grant and renewal uses the same TTL,
 * a new deadline is never earlier than the armed one, so the timer never needs moving forward.
 *
 * A stalled table does not lapse anyone. When the sweep runs more than STALL_MS after its timer
 * was due, this process did not run for that long (a blocked event loop, a starved CPU, a
 * suspended VM) and the renewals sent meanwhile may still sit unread in its sockets; Node runs due
 * timers before it reads them, so lapsing now would drop every workload of the mesh at once
 * (and each sidecar would answer 503 UH until it registered again). Instead every lease past due
 * gets STALL_GRACE_MS more, from the moment the table woke: a live sidecar's renewal arrives in
 * that time, a dead one's lease lapses at the end of it. (etcd extends its leases on a leader
 * change for the same reason.)
 */
import type { Clock, Timer } from '../../lib/clock.ts';

/** A sweep this late (ms) means the process was stalled, not that the leases lapsed. */
export const STALL_MS = 1_000;
/** What a lease past due gets after a stall (ms), at most its TTL. */
export const STALL_GRACE_MS = 3_000;

export interface LeaseTableOptions {
  readonly ttlMs: number;
  readonly clock: Clock;
  /** Called with the keys whose leases lapsed, after they were removed. */
  readonly onExpire: (keys: readonly string[]) => void;
}

export class LeaseTable {
  readonly ttlMs: number;
  readonly #clock: Clock;
  readonly #onExpire: (keys: readonly string[]) => void;
  /** Key → monotonic deadline. */
  readonly #deadlines = new Map<string, number>();
  #timer: Timer | null = null;
  /** The monotonic time the armed timer is due. */
  #due = 0;
  #closed = false;

  constructor(opts: LeaseTableOptions) {
    if (!(opts.ttlMs > 0)) throw new RangeError(`lease TTL must be positive, got ${opts.ttlMs}`);
    this.ttlMs = opts.ttlMs;
    this.#clock = opts.clock;
    this.#onExpire = opts.onExpire;
  }

  /** Starts (or restarts) a full lease for `key`. */
  grant(key: string): void {
    this.#deadlines.set(key, this.#clock.monotonic() + this.ttlMs);
    this.#arm();
  }

  /** Extends a live lease; false when `key` has none (never granted, revoked or lapsed). */
  renew(key: string): boolean {
    if (!this.#deadlines.has(key)) return false;
    this.grant(key);
    return true;
  }

  revoke(key: string): boolean {
    return this.#deadlines.delete(key);
  }

  has(key: string): boolean {
    return this.#deadlines.has(key);
  }

  /** Wall-clock time (ms since the epoch) at which the lease lapses unless renewed. */
  expiresAt(key: string): number | undefined {
    const d = this.#deadlines.get(key);
    return d === undefined ? undefined : this.#clock.now() + (d - this.#clock.monotonic());
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #arm(): void {
    if (this.#timer !== null || this.#closed || this.#deadlines.size === 0) return;
    const next = Math.min(...this.#deadlines.values());
    this.#due = Math.max(next, this.#clock.monotonic());
    this.#timer = this.#clock.setTimeout(() => this.#sweep(), this.#due - this.#clock.monotonic());
  }

  #sweep(): void {
    this.#timer = null;
    const now = this.#clock.monotonic();
    const stalled = now - this.#due > STALL_MS;
    const grace = now + Math.min(STALL_GRACE_MS, this.ttlMs);
    const lapsed: string[] = [];
    for (const [key, deadline] of this.#deadlines) {
      if (deadline > now) continue;
      if (stalled) this.#deadlines.set(key, grace);
      else lapsed.push(key);
    }
    for (const key of lapsed) this.#deadlines.delete(key);
    this.#arm();
    if (lapsed.length > 0) this.#onExpire(lapsed);
  }
}
