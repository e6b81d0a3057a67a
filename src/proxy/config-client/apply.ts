/**
 * ConfigState: the config the proxy serves. A snapshot is checked (model/validate.ts), its route
 * table built, and only then swapped in atomically; any failure leaves the last good config
 * serving and becomes the NACK reason. Each version gets its listeners' pipelines built once:
 *
 *   outbound: [local rate limit, if ProxyConfig.outboundRateLimit] → router
 *   inbound:  [authorization, if InboundConfig.authorization] → [local rate limit, if InboundConfig.rateLimit]
 *             → inbound terminal (to the local app)
 *
 * A listener without a limit has no rate-limit stage at all; a limit's token bucket outlives
 * versions that keep its parameters.
 */
import { messageOf } from '../../lib/errors.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { ProxyConfig } from '../../model/proxy-config.ts';
import { validateProxyConfig, asProxyConfig } from '../../model/validate.ts';
import type { HttpRequest, Layer, Service } from '../http/message.ts';
import { RouteTable, type RouteTableLimits } from '../http/route-table.ts';
import { NotReadyError } from '../errors.ts';
import { authorizationLayer } from '../filters/authorization.ts';
import { RateLimitSlot } from '../filters/rate-limit.ts';
import { routerService } from '../filters/router.ts';
import type { ClusterManager } from '../upstream/cluster-manager.ts';

export interface ConfigStateOptions {
  /** The inbound listener's terminal stage (to the local app); absent: the inbound pipeline answers NC. */
  readonly inbound?: Service;
  readonly clock?: Clock;
  /** Uniform [0, 1) source for the rate limits' enabled/enforced fractions. */
  readonly random?: () => number;
  /** Issue 4: loads what the clusters' transports need (TLS files); a throw rejects the snapshot with its message. */
  readonly prepareClusters?: (clusters: ProxyConfig['clusters']) => void;
  /** Issue 4: called for each AUDIT AuthorizationPolicy a request matches (its id, "ns[x]-policy[y]"). */
  readonly onAudit?: (policy: string, req: HttpRequest) => void;
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
  readonly #prepareClusters: ((clusters: ProxyConfig['clusters']) => void) | undefined;
  readonly #onAudit: ((policy: string, req: HttpRequest) => void) | undefined;
  readonly #inboundLimit: RateLimitSlot;
  readonly #outboundLimit: RateLimitSlot;

  constructor(clusters: ClusterManager, limits: RouteTableLimits, opts: ConfigStateOptions = {}) {
    this.#clusters = clusters;
    this.#limits = limits;
    this.#inboundTerminal = opts.inbound ?? notReady;
    this.#prepareClusters = opts.prepareClusters;
    this.#onAudit = opts.onAudit;
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
    let authz: Layer | null = null;
    try {
      table = new RouteTable(cfg.virtualHosts, this.#limits);
      const a = cfg.inbound.authorization;
      if (a !== undefined) authz = authorizationLayer(a, { ports: cfg.inbound.ports, ...(this.#onAudit === undefined ? {} : { onAudit: this.#onAudit }) });
      this.#prepareClusters?.(cfg.clusters);
    } catch (err) {
      return this.#reject(version, messageOf(err));
    }
    this.#clusters.update(cfg.clusters);
    const router = routerService(table, this.#clusters);
    const outLimit = this.#outboundLimit.layerFor(cfg.outboundRateLimit);
    const inLimit = this.#inboundLimit.layerFor(cfg.inbound.rateLimit);
    this.outbound = outLimit === null ? router : outLimit(router);
    const limited = inLimit === null ? this.#inboundTerminal : inLimit(this.#inboundTerminal);
    // Authorization before the rate limit: a refused request takes no token.
    this.inbound = authz === null ? limited : authz(limited);
    this.current = cfg;
    for (const fn of this.#listeners) fn(cfg);
    return null;
  }

  #reject(version: string, reason: string): string {
    this.lastRejection = { version, reason };
    return reason;
  }
}
