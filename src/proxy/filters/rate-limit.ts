/**
 * Local rate limit (Envoy's envoy.filters.http.local_ratelimit): a token bucket per listener
 * that refuses requests over the limit with a local 429 (flag RL) before they go further.
 *
 * - The bucket starts full (maxTokens) and gains tokensPerFill every fillIntervalMs, never above
 *   maxTokens. Fills are discrete steps anchored at the bucket's creation, as Envoy's
 *   timer-based bucket did, but computed lazily from the clock on each request: no timer.
 * - filter_enabled: the share of requests the limit is evaluated for (the others pass without
 *   taking a token); filter_enforced: the share of limited requests actually refused (the
 *   others pass, counted as limited). Both are drawn per request from `random`.
 * - A refused request gets the configured response_headers_to_add and nothing else: Envoy's
 *   local_ratelimit adds no x-envoy-ratelimited and, with enable_x_ratelimit_headers at its
 *   default OFF, no x-ratelimit-* fields.
 * - RateLimitSlot keeps a bucket across config versions while maxTokens, tokensPerFill and
 *   fillIntervalMs stay the same (a push must not refill it), and starts a full one when they change.
 */
import type { Clock } from '../../lib/clock.ts';
import type { LocalRateLimit } from '../../model/proxy-config.ts';
import type { Layer, Service } from '../http/message.ts';
import { RateLimitedError } from '../errors.ts';

export class TokenBucket {
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
  readonly #clock: Clock;
  #tokens: number;
  /** Monotonic time of the last fill step counted. */
  #lastFill: number;
  #nextFill: number;

  constructor(maxTokens: number, tokensPerFill: number, fillIntervalMs: number, clock: Clock) {
    this.maxTokens = maxTokens;
    this.tokensPerFill = tokensPerFill;
    this.fillIntervalMs = fillIntervalMs;
    this.#clock = clock;
    this.#tokens = maxTokens;
    this.#lastFill = clock.monotonic();
    this.#nextFill = this.#lastFill + fillIntervalMs;
  }

  /** Takes one token if there is one. */
  tryConsume(): boolean {
    const now = this.#clock.monotonic();
    if (now >= this.#nextFill) this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  /** Tokens left now (refilled first). */
  get tokens(): number {
    const now = this.#clock.monotonic();
    if (now >= this.#nextFill) this.#refill(now);
    return this.#tokens;
  }

  #refill(now: number): void {
    const steps = Math.floor((now - this.#lastFill) / this.fillIntervalMs);
    this.#tokens = Math.min(this.maxTokens, this.#tokens + steps * this.tokensPerFill);
    this.#lastFill += steps * this.fillIntervalMs;
    this.#nextFill = this.#lastFill + this.fillIntervalMs;
  }
}

/**
 * The filter for one config version over a bucket that may outlive it. The refusal is one
 * prebuilt, immutable error: a refused request allocates nothing.
 */
export function rateLimitLayer(cfg: LocalRateLimit, bucket: TokenBucket, random: () => number): Layer {
  const headers: string[] = [];
  for (const [name, value] of cfg.responseHeaders) headers.push(name, value);
  const refused = new RateLimitedError(headers);
  const enabled = cfg.enabledPercent;
  const enforced = cfg.enforcedPercent;
  return (inner: Service): Service => {
    if (enabled >= 100 && enforced >= 100) {
      // The common shape (and the only one the seed uses): no random draws.
      return (req) => (bucket.tryConsume() ? inner(req) : Promise.reject(refused));
    }
    return (req) => {
      if (enabled < 100 && !(random() * 100 < enabled)) return inner(req);
      if (bucket.tryConsume()) return inner(req);
      if (enforced < 100 && !(random() * 100 < enforced)) return inner(req);
      return Promise.reject(refused);
    };
  };
}

/** Whether two limits describe the same bucket (the filter-level fields may differ). */
export function sameBucket(a: LocalRateLimit, b: LocalRateLimit): boolean {
  return a.maxTokens === b.maxTokens && a.tokensPerFill === b.tokensPerFill && a.fillIntervalMs === b.fillIntervalMs;
}

/** One listener's rate limit across config versions: the bucket persists while its parameters do. */
export class RateLimitSlot {
  readonly #clock: Clock;
  readonly #random: () => number;
  #cfg: LocalRateLimit | null = null;
  #bucket: TokenBucket | null = null;

  constructor(clock: Clock, random: () => number = Math.random) {
    this.#clock = clock;
    this.#random = random;
  }

  /** The layer for a config version's limit, or null when it has none (no stage, no cost). */
  layerFor(cfg: LocalRateLimit | undefined): Layer | null {
    if (cfg === undefined) {
      this.#cfg = null;
      this.#bucket = null;
      return null;
    }
    if (this.#bucket === null || this.#cfg === null || !sameBucket(this.#cfg, cfg)) {
      this.#bucket = new TokenBucket(cfg.maxTokens, cfg.tokensPerFill, cfg.fillIntervalMs, this.#clock);
    }
    this.#cfg = cfg;
    return rateLimitLayer(cfg, this.#bucket, this.#random);
  }

  get bucket(): TokenBucket | null { return this.#bucket; }
}
