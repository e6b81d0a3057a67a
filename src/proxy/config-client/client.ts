/**
 * ConfigClient: the sidecar's side of the control-plane session — registers the workload and
 * keeps its lease, holds the push stream open (reconnecting with backoff while the control plane
 * is away), hands each snapshot to the proxy and answers ACK or NACK.
 *
 *   register ─▶ stream ─snapshot─▶ apply ─▶ ACK/NACK ─▶ … ─(stream lost)─▶ backoff ─▶ stream
 *      ▲           │ 404 (control plane forgot us)
 *      └───────────┘
 */
import type * as http from 'node:http';
import * as https from 'node:https';
import { messageOf } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import type { ConfigAck, PushMessage, RegistrationResponse, WorkloadRegistration } from '../../model/control-protocol.ts';
import type { ControlPlaneHttp } from './cp-http.ts';

export interface ConfigClientOptions {
  readonly http: ControlPlaneHttp;
  readonly proxyId: string;
  readonly registration: WorkloadRegistration;
  /** Applies a snapshot; returns null (ACK) or the reason to NACK. */
  readonly onSnapshot: (version: string, config: unknown) => string | null;
  readonly logger: Logger;
  /** Reconnect backoff bounds (ms). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** A stream silent this long is considered dead (pings come every 5 s). */
  readonly silenceTimeoutMs?: number;
}

export class ConfigClient {
  #o: ConfigClientOptions;
  #stopped = false;
  #registered = false;
  #leaseTimer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #req: http.ClientRequest | null = null;
  #attempt = 0;
  /** Whether the push stream is up right now. */
  connected = false;
  lastVersion: string | null = null;

  constructor(o: ConfigClientOptions) {
    this.#o = o;
  }

  start(): void {
    void this.#connect();
  }

  /** Stops the session; with `deregister`, the workload leaves the endpoint set at once. */
  async stop(deregister: boolean): Promise<void> {
    this.#stopped = true;
    if (this.#leaseTimer !== null) clearTimeout(this.#leaseTimer);
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#req?.destroy();
    this.#req = null;
    if (deregister && this.#registered) {
      const r = this.#o.registration;
      try {
        await this.#o.http.request('DELETE', `/v1/workloads/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`, undefined, 2_000);
      } catch (err) {
        this.#o.logger.warn({ err: messageOf(err) }, 'could not deregister; the lease will lapse instead');
      }
    }
  }

  async #register(): Promise<void> {
    const res = await this.#o.http.json<RegistrationResponse>('POST', '/v1/workloads', this.#o.registration);
    this.#registered = true;
    this.#scheduleRenew(res.leaseTtlMs);
  }

  #scheduleRenew(ttlMs: number): void {
    if (this.#leaseTimer !== null) clearTimeout(this.#leaseTimer);
    if (this.#stopped) return;
    this.#leaseTimer = setTimeout(() => void this.#renew(ttlMs), Math.max(200, Math.floor(ttlMs / 3)));
    this.#leaseTimer.unref();
  }

  async #renew(ttlMs: number): Promise<void> {
    const r = this.#o.registration;
    try {
      const res = await this.#o.http.request('PUT', `/v1/workloads/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}/lease`, undefined, 5_000);
      if (res.status === 404) {
        this.#o.logger.info('control plane forgot this workload; registering again');
        await this.#register();
        return;
      }
      const ttl = (res.body as RegistrationResponse | undefined)?.leaseTtlMs ?? ttlMs;
      this.#scheduleRenew(ttl);
    } catch (err) {
      this.#o.logger.debug({ err: messageOf(err) }, 'lease renewal failed; retrying');
      this.#scheduleRenew(ttlMs);
    }
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (!this.#registered) await this.#register();
      await this.#stream();
    } catch (err) {
      if (this.#stopped) return;
      this.#o.logger.warn({ err: messageOf(err), attempt: this.#attempt }, 'control plane stream lost; serving the last good config and reconnecting');
    }
    this.connected = false;
    if (this.#stopped) return;
    // Exponential backoff with full jitter, reset after a successful snapshot.
    const base = this.#o.backoffBaseMs ?? 100;
    const max = this.#o.backoffMaxMs ?? 5_000;
    const delay = Math.random() * Math.min(max, base * 2 ** Math.min(this.#attempt, 16));
    this.#attempt++;
    this.#retryTimer = setTimeout(() => void this.#connect(), delay);
    this.#retryTimer.unref();
  }

  /** Holds one stream until it ends; resolves on a clean end, rejects on failure. */
  #stream(): Promise<void> {
    const silence = this.#o.silenceTimeoutMs ?? 15_000;
    return new Promise<void>((resolve, reject) => {
      const url = new URL(`/v1/proxies/${encodeURIComponent(this.#o.proxyId)}/stream`, this.#o.http.base);
      // Over mTLS: the control plane serves this stream only to the workload's own certificate.
      const req = https.get(url, { agent: false, ...this.#o.http.tls(), headers: { ...this.#o.http.headers(), accept: 'application/x-ndjson' } }, (res) => {
        if (res.statusCode === 404) {
          this.#registered = false;
          res.resume();
          reject(new Error('control plane does not know this proxy'));
          return;
        }
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`stream answered ${res.statusCode}`));
          return;
        }
        this.connected = true;
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (text: string) => {
          req.setTimeout(silence);
          buf += text;
          let nl: number;
          while ((nl = buf.indexOf('\n')) !== -1) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim() !== '') this.#onMessage(line);
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('stream aborted')));
      });
      this.#req = req;
      req.setTimeout(silence, () => req.destroy(new Error(`no message from the control plane for ${silence} ms`)));
      req.on('error', reject);
      req.on('close', () => resolve());
    });
  }

  #onMessage(line: string): void {
    let msg: PushMessage;
    try {
      msg = JSON.parse(line) as PushMessage;
    } catch {
      this.#o.logger.warn('unparseable line on the push stream; ignored');
      return;
    }
    if (msg.type !== 'snapshot') return;
    let error: string | null;
    try {
      error = this.#o.onSnapshot(msg.version, msg.config);
    } catch (err) {
      error = `proxy failed to apply the config: ${messageOf(err)}`;
    }
    this.lastVersion = msg.version;
    if (error === null) this.#attempt = 0;
    const ack: ConfigAck = error === null ? { version: msg.version } : { version: msg.version, error };
    this.#o.http.request('POST', `/v1/proxies/${encodeURIComponent(this.#o.proxyId)}/ack`, ack, 5_000).catch((err: unknown) => {
      this.#o.logger.debug({ err: messageOf(err) }, 'could not send ACK/NACK');
    });
  }
}
