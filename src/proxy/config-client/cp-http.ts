/** A small JSON client for the sidecar's calls to the control plane (register, renew, CSR, ACK), over node:http with keep-alive. */
import * as http from 'node:http';
import { WeftError } from '../../lib/errors.ts';

export class ControlPlaneError extends WeftError {
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super('WEFT_CONTROL_PLANE_REQUEST', message, options);
    this.status = status;
  }
}

export interface JsonReply { readonly status: number; readonly body: unknown }

export class ControlPlaneHttp {
  readonly base: URL;
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(base: string) {
    this.base = new URL(base);
    if (this.base.protocol !== 'http:') throw new WeftError('WEFT_CONTROL_PLANE_URL', `control plane URL must be http://… (got ${base})`);
  }

  /** Sends a JSON request; resolves with any HTTP status, rejects on transport failure or timeout. */
  request(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<JsonReply> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        new URL(path, this.base),
        {
          method,
          agent: this.agent,
          headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length },
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
            resolve({ status: res.statusCode ?? 0, body: parsed });
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
    this.agent.destroy();
  }
}
