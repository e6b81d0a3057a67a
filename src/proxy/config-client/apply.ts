/**
 * ConfigState: the config the proxy serves. A snapshot is checked (model/validate.ts), its route
 * table built, and only then swapped in atomically; any failure leaves the last good config
 * serving and becomes the NACK reason.
 */
import { messageOf } from '../../lib/errors.ts';
import type { ProxyConfig } from '../../model/proxy-config.ts';
import { validateProxyConfig, asProxyConfig } from '../../model/validate.ts';
import type { Service } from '../http/message.ts';
import { RouteTable, type RouteTableLimits } from '../http/route-table.ts';
import { NotReadyError } from '../errors.ts';
import { routerService } from '../filters/router.ts';
import type { ClusterManager } from '../upstream/cluster-manager.ts';

const notReady: Service = () => Promise.reject(new NotReadyError());

export class ConfigState {
  current: ProxyConfig | null = null;
  /** The outbound listener's pipeline for the current config. */
  outbound: Service = notReady;
  /** Reason of the last rejected snapshot, for /config_dump. */
  lastRejection: { version: string; reason: string } | null = null;
  #clusters: ClusterManager;
  #limits: RouteTableLimits;
  #listeners: ((c: ProxyConfig) => void)[] = [];

  constructor(clusters: ClusterManager, limits: RouteTableLimits) {
    this.#clusters = clusters;
    this.#limits = limits;
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
    this.outbound = routerService(table, this.#clusters);
    this.current = cfg;
    for (const fn of this.#listeners) fn(cfg);
    return null;
  }

  #reject(version: string, reason: string): string {
    this.lastRejection = { version, reason };
    return reason;
  }
}
