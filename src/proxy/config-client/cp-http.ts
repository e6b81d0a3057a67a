/**
 * A small JSON client for the sidecar's calls to the control plane (register, renew, CSR, ACK),
 * over HTTPS with keep-alive. The control plane's certificate is checked against the mesh root
 * given at start; until the sidecar holds its certificate it authenticates with its join token,
 * afterwards with that certificate (mTLS), swapped in at every rotation.
 *
 * Two lanes, each with its own connections: control (register, lease renewal, CSR, ACK) and
 * telemetry (span batches, service-graph reports). Telemetry bodies are large and frequent under
 * load; on shared sockets a lease renewal could wait behind them long enough to lapse.
 */
import * as https from 'node:https';
import { WeftError } from '../../lib/errors.ts';

export class ControlPlaneError extends WeftError {
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super('WEFT_CONTROL_PLANE_REQUEST', message, options);
    this.status = status;
  }
}

export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
  /** Whether the request's body had all gone to the operating system when the reply ended (the caller may reuse its memory). */
  readonly bodyReleased: boolean;
}

export interface ControlPlaneCredentials {
  /** The mesh root(s), PEM: the control plane's HTTPS certificate must chain to it. */
  readonly caPem: string;
  /** Issue 4: the join token, sent until the sidecar holds a certificate (absent: the control plane refuses the CSR). */
  readonly joinToken?: string | undefined;
}

/** The TLS options of a request to the control plane: its root, and this workload's certificate once it has one. */
export interface ControlPlaneTls {
  readonly ca: string;
  readonly key?: string;
  readonly cert?: string;
}

/** Which connections a request uses (see the file comment). */
export type Lane = 'control' | 'telemetry';

export class ControlPlaneHttp {
  readonly base: URL;
  #agent: https.Agent;
  #telemetryAgent: https.Agent;
  /** Agents of earlier certificates: their busy sockets finish their request; all are destroyed by close(). */
  #retired: https.Agent[] = [];
  #tls: ControlPlaneTls;
  readonly #joinToken: string | undefined;

  constructor(base: string, credentials: ControlPlaneCredentials) {
    this.base = new URL(base);
    if (this.base.protocol !== 'https:') {
      throw new WeftError('WEFT_CONTROL_PLANE_URL', `control plane URL must be https://… (got ${base}): the control plane serves its API over HTTPS only`);
    }
    this.#tls = { ca: credentials.caPem };
    this.#joinToken = credentials.joinToken;
    this.#agent = this.#newAgent();
    this.#telemetryAgent = this.#newAgent(2);
  }

  get agent(): https.Agent {
    return this.#agent;
  }

  /** TLS options for a request made outside this client (the push stream). */
  tls(): ControlPlaneTls {
    return this.#tls;
  }

  /**
   * Presents this certificate from now on. Connections already open keep the one they were made
   * with (the push stream stays up across a rotation); new requests use a new agent.
   */
  setClientCertificate(keyPem: string, certChainPem: string): void {
    this.#tls = { ca: this.#tls.ca, key: keyPem, cert: certChainPem };
    const old = [this.#agent, this.#telemetryAgent];
    this.#agent = this.#newAgent();
    this.#telemetryAgent = this.#newAgent(2);
    // Idle sockets of the old agents close now; a request in flight on one is not cut.
    for (const a of old) for (const sockets of Object.values(a.freeSockets)) for (const s of sockets ?? []) s.destroy();
    this.#retired.push(...old);
    // Three rotations old: anything still on it is long dead.
    while (this.#retired.length > 6) this.#retired.shift()?.destroy();
  }

  #newAgent(maxSockets = 4): https.Agent {
    return new https.Agent({ keepAlive: true, maxSockets, ...this.#tls });
  }

  /** The Authorization header while the sidecar has no certificate (the join token), else none. */
  headers(): Record<string, string> {
    return this.#tls.cert === undefined && this.#joinToken !== undefined ? { authorization: `Bearer ${this.#joinToken}` } : {};
  }

  /** Sends a JSON request on the control lane; resolves with any HTTP status, rejects on transport failure or timeout. */
  request(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<JsonReply> {
    return this.#send('control', method, path, body === undefined ? undefined : Buffer.from(JSON.stringify(body)), timeoutMs);
  }

  /** POSTs a body already encoded as JSON on the telemetry lane; like request() otherwise. */
  postTelemetry(path: string, json: string | Buffer, timeoutMs = 5_000): Promise<JsonReply> {
    return this.#send('telemetry', 'POST', path, typeof json === 'string' ? Buffer.from(json) : json, timeoutMs);
  }

  #send(lane: Lane, method: string, path: string, payload: Buffer | undefined, timeoutMs: number): Promise<JsonReply> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.base),
        {
          method,
          agent: lane === 'control' ? this.#agent : this.#telemetryAgent,
          headers: payload === undefined ? this.headers() : { ...this.headers(), 'content-type': 'application/json', 'content-length': payload.length },
          timeout: timeoutMs,
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            let parsed: unknown = undefined;
            if (text !== '') {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, bodyReleased: req.writableFinished });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`control plane did not answer ${method} ${path} within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(new ControlPlaneError(0, `control plane at ${this.base.origin} unreachable: ${err.message}`, { cause: err })));
      req.end(payload);
    });
  }

  /** Like request(), but a non-2xx status is an error carrying the server's message. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request(method, path, body);
    if (r.status < 200 || r.status >= 300) {
      const msg = (r.body as { error?: { message?: string } } | undefined)?.error?.message ?? JSON.stringify(r.body);
      throw new ControlPlaneError(r.status, `${method} ${path}: ${r.status} ${msg}`);
    }
    return r.body as T;
  }

  close(): void {
    this.#agent.destroy();
    this.#telemetryAgent.destroy();
    for (const a of this.#retired) a.destroy();
    this.#retired = [];
  }
}
