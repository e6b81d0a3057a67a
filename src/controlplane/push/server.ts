/**
 * PushServer: keeps every connected proxy's config current. On connect a proxy gets its compiled
 * snapshot at once; afterwards every store or registry change (debounced) recompiles each
 * connected proxy and sends a snapshot only when its version (content hash) changed. ACKs and
 * NACKs feed the status book behind `weft proxy-status`; a ping line every few seconds lets both
 * ends notice a dead stream.
 */
import type { ServerResponse } from 'node:http';
import type { ConfigAck } from '../../model/control-protocol.ts';
import type { NodeInfo } from '../../model/proxy-config.ts';
import { nodeInfoOf, proxyIdOf } from '../../model/control-protocol.ts';
import { systemClock, type Clock, type Timer } from '../../lib/clock.ts';
import { WeftError, messageOf } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { DEFAULT_MESH_CONFIG, type CompileInput, type MeshConfig, type Workload } from '../compile/input.ts';
import type { ProxyStatus } from '../http-api/types.ts';
import type { ServiceRegistry } from '../registry/registry.ts';
import type { ResourceStore } from '../store/store.ts';
import { Debouncer } from './debounce.ts';
import { inputFor, sharedInput, type SharedInput } from './input.ts';
import { snapshotOf, type CompiledConfig } from './snapshot.ts';
import { ProxyStatusBook } from './status.ts';
import { ProxyStream } from './stream.ts';

export type CompileFn = (input: CompileInput) => CompiledConfig;

/** Issue 5: what the push server reports to the control plane's /metrics. */
export interface PushMetrics {
  /** A snapshot was written to a stream, `latencyMs` after the change (or connect) that caused it. */
  pushed(latencyMs: number): void;
  acked(accepted: boolean): void;
  compileFailed(): void;
}

export interface PushServerOptions {
  readonly store: ResourceStore;
  readonly registry: ServiceRegistry;
  readonly compile: CompileFn;
  readonly mesh?: MeshConfig;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Debounce: push this long after the last change of a burst (default 50 ms)… */
  readonly quietMs?: number;
  /** …but no later than this after its first change (default 500 ms). */
  readonly maxDelayMs?: number;
  /** Default 5 s. */
  readonly pingIntervalMs?: number;
  readonly metrics?: PushMetrics;
}

interface Connection {
  readonly id: string;
  node: NodeInfo;
  stream: ProxyStream | null;
  /** Version of the last snapshot written to this stream. */
  lastSent: string | null;
}

export class PushServer {
  readonly #store: ResourceStore;
  readonly #registry: ServiceRegistry;
  readonly #compile: CompileFn;
  readonly #mesh: MeshConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #pingIntervalMs: number;
  readonly #debouncer: Debouncer;
  readonly #book = new ProxyStatusBook();
  readonly #connections = new Map<string, Connection>();
  readonly #unwatch: (() => void)[];
  #pingTimer: Timer | null = null;
  #closed = false;
  readonly #metrics: PushMetrics | null;
  /** Clock time of the first change not yet pushed (push latency starts there). */
  #changedAt: number | null = null;

  constructor(opts: PushServerOptions) {
    this.#store = opts.store;
    this.#registry = opts.registry;
    this.#compile = opts.compile;
    this.#mesh = opts.mesh ?? DEFAULT_MESH_CONFIG;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger ?? silentLogger;
    this.#pingIntervalMs = opts.pingIntervalMs ?? 5_000;
    this.#metrics = opts.metrics ?? null;
    this.#debouncer = new Debouncer({ quietMs: opts.quietMs ?? 50, maxDelayMs: opts.maxDelayMs ?? 500, clock: this.#clock, fire: () => this.pushAll() });
    this.#unwatch = [
      this.#store.watch(() => this.#changed()),
      this.#registry.watch((e) => {
        if (e.type !== 'registered') {
          const id = proxyIdOf({ workload: e.workload.name, namespace: e.workload.namespace });
          if (!this.#connections.has(id)) this.#book.forget(id);
        }
        this.#changed();
      }),
    ];
  }

  #changed(): void {
    this.#changedAt ??= this.#clock.now();
    this.#debouncer.trigger();
  }

  /** Number of open streams. */
  get connections(): number {
    return this.#connections.size;
  }

  /** The registered workload whose proxy id is `proxyId` ("<workload>.<namespace>"). */
  workloadOf(proxyId: string): Workload | undefined {
    return this.#registry.snapshot().workloads.find((w) => proxyIdOf({ workload: w.name, namespace: w.namespace }) === proxyId);
  }

  /**
   * Serves GET /v1/proxies/<id>/stream: writes the stream's head and the first snapshot. Returns
   * false, writing nothing, when no workload has this proxy id (the proxy must register first);
   * throws WEFT_COMPILE_FAILED, writing nothing, when its config cannot be compiled.
   */
  connect(proxyId: string, res: ServerResponse): boolean {
    if (this.#closed) throw new WeftError('WEFT_CONTROL_PLANE_CLOSING', 'the control plane is shutting down; reconnect to the next one');
    const w = this.workloadOf(proxyId);
    if (w === undefined) return false;
    const node = nodeInfoOf(w);
    const since = this.#clock.now();
    const config = this.#compileFor(node, this.#shared());
    const conn: Connection = { id: proxyId, node, stream: null, lastSent: null };
    const previous = this.#connections.get(proxyId);
    this.#connections.set(proxyId, conn);
    // A proxy that reconnects before its old socket was noticed dead: the newest stream wins.
    previous?.stream?.end();
    conn.stream = new ProxyStream(res, () => this.#onClose(conn));
    this.#book.connected(node, this.#clock.now());
    this.#logger.info({ proxy: proxyId }, 'proxy connected');
    this.#send(conn, config, since);
    this.#armPing();
    return true;
  }

  /** Records an ACK or NACK; false when this proxy never connected. */
  ack(proxyId: string, ack: ConfigAck): boolean {
    const known = this.#book.acked(proxyId, ack, this.#clock.now());
    if (known) this.#metrics?.acked(ack.error === undefined);
    if (known && ack.error !== undefined) this.#logger.warn({ proxy: proxyId, version: ack.version, reason: ack.error }, 'proxy rejected its config (NACK); it keeps serving the previous one');
    return known;
  }

  /** A sign of life outside the stream (a lease renewal). */
  touch(proxyId: string): void {
    this.#book.seen(proxyId, this.#clock.now());
  }

  statuses(): ProxyStatus[] {
    return this.#book.list(this.#registry.leases(), this.#registry.leaseTtlMs, this.#clock.now());
  }

  /** Recompiles every connected proxy and sends what changed (the debouncer calls this). */
  pushAll(): void {
    const since = this.#changedAt ?? this.#clock.now();
    this.#changedAt = null;
    if (this.#closed || this.#connections.size === 0) return;
    const shared = this.#shared();
    for (const conn of this.#connections.values()) {
      // Re-registration may have changed the proxy's labels; a workload gone from the registry keeps its last identity.
      const w = this.#registry.get(conn.node.namespace, conn.node.workload);
      if (w !== undefined) conn.node = nodeInfoOf(w);
      try {
        this.#send(conn, this.#compileFor(conn.node, shared), since);
      } catch (err) {
        this.#logger.error({ err, proxy: conn.id }, 'could not compile a proxy config; the proxy keeps its previous one');
      }
    }
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    this.#closed = true;
    this.#debouncer.cancel();
    this.#pingTimer?.cancel();
    this.#pingTimer = null;
    for (const stop of this.#unwatch) stop();
    for (const conn of [...this.#connections.values()]) conn.stream?.end();
    this.#connections.clear();
  }

  #shared(): SharedInput {
    return sharedInput(this.#store.list(), this.#registry.snapshot(), this.#mesh);
  }

  #compileFor(node: NodeInfo, shared: SharedInput): CompiledConfig {
    try {
      return this.#compile(inputFor(node, shared));
    } catch (err) {
      this.#metrics?.compileFailed();
      throw new WeftError('WEFT_COMPILE_FAILED', `could not compile the config of proxy ${node.id}: ${messageOf(err)}`, { cause: err });
    }
  }

  #send(conn: Connection, compiled: CompiledConfig, since: number): void {
    const config = snapshotOf(compiled);
    if (config.version === conn.lastSent || conn.stream === null) return;
    if (conn.stream.send({ type: 'snapshot', version: config.version, config })) {
      conn.lastSent = config.version;
      const record = this.#book.get(conn.id);
      if (record !== undefined) record.node = conn.node;
      this.#book.sent(conn.id, config.version);
      this.#metrics?.pushed(this.#clock.now() - since);
      this.#logger.debug({ proxy: conn.id, version: config.version }, 'sent config snapshot');
    }
  }

  #onClose(conn: Connection): void {
    if (this.#connections.get(conn.id) !== conn) return;
    this.#connections.delete(conn.id);
    this.#book.disconnected(conn.id, this.#clock.now());
    if (!this.#closed) this.#logger.info({ proxy: conn.id }, 'proxy disconnected');
  }

  #armPing(): void {
    if (this.#pingTimer !== null || this.#closed || this.#connections.size === 0) return;
    this.#pingTimer = this.#clock.setTimeout(() => {
      this.#pingTimer = null;
      for (const conn of this.#connections.values()) conn.stream?.send({ type: 'ping' });
      this.#armPing();
    }, this.#pingIntervalMs);
  }
}
