/**
 * ProxyStatusBook: what the control plane knows of each proxy's sync state — the version it sent
 * last, the version the proxy last ACKed, the last NACK — and the rule that turns that into
 * SYNCED / STALE / NACKED / NOT SENT / DISCONNECTED for `weft proxy-status`.
 */
import type { ConfigAck } from '../../model/control-protocol.ts';
import type { NodeInfo } from '../../model/proxy-config.ts';
import type { ProxyStatus, SyncState } from '../http-api/types.ts';
import type { WorkloadLease } from '../registry/registry.ts';
import { proxyIdOf } from '../../model/control-protocol.ts';

export interface ProxyRecord {
  node: NodeInfo;
  connected: boolean;
  sentVersion: string | null;
  ackedVersion: string | null;
  nack: { readonly version: string; readonly reason: string } | null;
  /** Wall-clock ms of the last sign of life (connect, ACK/NACK, lease renewal, disconnect). */
  lastSeen: number;
}

/** The state rule. A NACK counts only for the version sent last: an older one was already superseded. */
export function syncStateOf(r: Pick<ProxyRecord, 'connected' | 'sentVersion' | 'ackedVersion' | 'nack'>): SyncState {
  if (!r.connected) return r.sentVersion === null ? 'NOT SENT' : 'DISCONNECTED';
  if (r.sentVersion === null) return 'NOT SENT';
  if (r.nack !== null && r.nack.version === r.sentVersion) return 'NACKED';
  if (r.ackedVersion === r.sentVersion) return 'SYNCED';
  return 'STALE';
}

export class ProxyStatusBook {
  readonly #records = new Map<string, ProxyRecord>();

  get(id: string): ProxyRecord | undefined {
    return this.#records.get(id);
  }

  connected(node: NodeInfo, at: number): ProxyRecord {
    const r = this.#records.get(node.id);
    if (r !== undefined) {
      r.node = node;
      r.connected = true;
      r.lastSeen = at;
      return r;
    }
    const fresh: ProxyRecord = { node, connected: true, sentVersion: null, ackedVersion: null, nack: null, lastSeen: at };
    this.#records.set(node.id, fresh);
    return fresh;
  }

  disconnected(id: string, at: number): void {
    const r = this.#records.get(id);
    if (r === undefined) return;
    r.connected = false;
    r.lastSeen = at;
  }

  sent(id: string, version: string): void {
    const r = this.#records.get(id);
    if (r !== undefined) r.sentVersion = version;
  }

  /** Records an ACK (no error) or a NACK; false when the proxy never connected. */
  acked(id: string, ack: ConfigAck, at: number): boolean {
    const r = this.#records.get(id);
    if (r === undefined) return false;
    r.lastSeen = at;
    // A NACKed config never replaces the proxy's working one, so ackedVersion stays as it was.
    if (ack.error === undefined) r.ackedVersion = ack.version;
    else r.nack = { version: ack.version, reason: ack.error };
    return true;
  }

  seen(id: string, at: number): void {
    const r = this.#records.get(id);
    if (r !== undefined) r.lastSeen = Math.max(r.lastSeen, at);
  }

  forget(id: string): void {
    this.#records.delete(id);
  }

  /**
   * One row per proxy that is connected or whose workload is registered: a registered workload
   * that never opened its stream shows as NOT SENT; a disconnected proxy whose workload left is gone.
   */
  list(live: readonly WorkloadLease[], leaseTtlMs: number, now: number): ProxyStatus[] {
    const rows = new Map<string, ProxyStatus>();
    for (const { workload, leaseExpiresAt } of live) {
      const id = proxyIdOf({ workload: workload.name, namespace: workload.namespace });
      const r = this.#records.get(id);
      const renewedAt = leaseExpiresAt - leaseTtlMs;
      if (r === undefined) {
        const node = { id, workload: workload.name, namespace: workload.namespace, service: workload.service, labels: workload.labels };
        rows.set(id, row(node, { connected: false, sentVersion: null, ackedVersion: null, nack: null, lastSeen: renewedAt }, now));
      } else {
        rows.set(id, row(r.node, { ...r, lastSeen: Math.max(r.lastSeen, renewedAt) }, now));
      }
    }
    for (const [id, r] of this.#records) {
      if (r.connected && !rows.has(id)) rows.set(id, row(r.node, r, now));
    }
    return [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

function row(node: Pick<NodeInfo, 'id' | 'workload' | 'namespace' | 'service' | 'labels'>, r: Omit<ProxyRecord, 'node'>, now: number): ProxyStatus {
  const state = syncStateOf(r);
  return {
    id: node.id,
    workload: node.workload,
    namespace: node.namespace,
    service: node.service,
    version: node.labels.version ?? '',
    connected: r.connected,
    sentVersion: r.sentVersion,
    ackedVersion: r.ackedVersion,
    state,
    ...(state === 'NACKED' && r.nack !== null ? { nackReason: r.nack.reason } : {}),
    lastSeen: new Date(r.connected ? now : r.lastSeen).toISOString(),
  };
}
