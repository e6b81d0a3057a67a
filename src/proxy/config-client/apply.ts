/**
 * ConfigState: the config the proxy serves. A snapshot is checked (model/validate.ts), its route
 * table built, and only then swapped in atomically; any failure leaves the last good config
 * serving and becomes the NACK reason. Each version gets its listeners' pipelines built once:
 *
 *   outbound: [local rate limit, if ProxyConfig.outboundRateLimit] → router
 *   inbound:  [local rate limit, if InboundConfig.rateLimit] → inbound terminal (to the local app)
 *
 * A listener without a limit has no rate-limit stage at all; a limit's token bucket outlives
 * versions that keep its parameters.
 */
import { messageOf } from '../../lib/errors.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { ProxyConfig } from '../../model/proxy-config.ts';
import { validateProxyConfig, asProxyConfig } from '../../model/validate.ts';
import type { Service } from '../http/message.ts';
import { RouteTable, type RouteTableLimits } from '../http/route-table.ts';
import { NotReadyError } from '../errors.ts';
import { RateLimitSlot } from '../filters/rate-limit.ts';
import { routerService } from '../filters/router.ts';
import type { ClusterManager } from '../upstream/cluster-manager.ts';

export interface ConfigStateOptions {
  /** The inbound listener's terminal stage (to the local app); absent: the inbound pipeline answers NC. */
  readonly inbound?: Service;
  readonly clock?: Clock;
  /** Uniform [0, 1) source for the rate limits' enabled/enforced fractions. */
  readonly random?: () => number;
}

const notReady: Service = () => Promise.reject(new NotReadyError());

export class ConfigState {
  current: ProxyConfig | null = null;
  /** The outbound listener's pipeline for the current config. */
  outbound: Service = notReady;
  /** The inbound listener's pipeline for the current config (before the first one: the bare terminal stage). */
  inbound: Service;
  /** Reason of the last rejected snapshot, for /config_dump. */
  lastRejection: { version: string; reason: string } | null = null;
  #clusters: ClusterManager;
  #limits: RouteTableLimits;
  #listeners: ((c: ProxyConfig) => void)[] = [];
  readonly #inboundTerminal: Service;
  readonly #inboundLimit: RateLimitSlot;
  readonly #outboundLimit: RateLimitSlot;

  constructor(clusters: ClusterManager, limits: RouteTableLimits, opts: ConfigStateOptions = {}) {
    this.#clusters = clusters;
    this.#limits = limits;
    this.#inboundTerminal = opts.inbound ?? notReady;
    this.inbound = this.#inboundTerminal;
    const clock = opts.clock ?? systemClock;
    this.#inboundLimit = new RateLimitSlot(clock, opts.random);
    this.#outboundLimit = new RateLimitSlot(clock, opts.random);
  }

  onApplied(fn: (c: ProxyConfig) => void): void {
    this.#listeners.push(fn);
  }

  /** Applies a snapshot; null means applied (ACK), a string is the NACK reason. */
  apply(version: string, raw: unknown): string | null {
    const problems = validateProxyConfig(raw);
    if (problems.length > 0) return this.#reject(version, `invalid config: ${problems.join('; ')}`);
    const cfg = asProxyConfig(raw);
    if (cfg.version !== version) return this.#reject(version, `snapshot version ${version} does not match its config's ${cfg.version}`);
    let table: RouteTable;
    try {
      table = new RouteTable(cfg.virtualHosts, this.#limits);
    } catch (err) {
      return this.#reject(version, messageOf(err));
    }
    this.#clusters.update(cfg.clusters);
    const router = routerService(table, this.#clusters);
    const outLimit = this.#outboundLimit.layerFor(cfg.outboundRateLimit);
    const inLimit = this.#inboundLimit.layerFor(cfg.inbound.rateLimit);
    this.outbound = outLimit === null ? router : outLimit(router);
    this.inbound = inLimit === null ? this.#inboundTerminal : inLimit(this.#inboundTerminal);
    this.current = cfg;
    for (const fn of this.#listeners) fn(cfg);
    return null;
  }

  #reject(version: string, reason: string): string {
    this.lastRejection = { version, reason };
    return reason;
  }
}
