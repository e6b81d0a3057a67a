/** Issue 4: the control plane asks a registered sidecar's admin endpoint for its `/certs` (what it serves now, not what the CA once issued), bounded in time and size, for `weft proxy-config secret`. */
import * as http from 'node:http';
import type { WorkloadRegistration } from '../../model/control-protocol.ts';
import type { SecretDump } from '../../model/secret-dump.ts';
import { HttpError } from './errors.ts';

/** A sidecar that does not answer within this long is reported, not waited for. */
export const SIDECAR_ADMIN_TIMEOUT_MS = 3_000;
/** A /certs body is a few KiB; anything far larger is not a sidecar's. */
const MAX_BODY_BYTES = 256 * 1024;

/** GET http://<address>:<adminPort>/certs of `w`. Throws HttpError 502 WEFT_SECRET_UNAVAILABLE saying why. */
export function fetchSidecarSecret(w: WorkloadRegistration, timeoutMs = SIDECAR_ADMIN_TIMEOUT_MS): Promise<SecretDump> {
  const who = `${w.namespace}/${w.name}`;
  const fail = (why: string, cause?: unknown): HttpError =>
    new HttpError(502, 'WEFT_SECRET_UNAVAILABLE', `cannot read the certificate of workload ${who} from its sidecar: ${why}`, cause === undefined ? undefined : { cause });
  if (w.adminPort === undefined) return Promise.reject(fail('it registered no admin port (a sidecar older than this control plane); restart it with this version'));
  return new Promise((resolve, reject) => {
    const req = http.get({ host: w.address, port: w.adminPort, path: '/certs', agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy();
          reject(fail(`its answer is over ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode === 503) {
          reject(fail('it holds no certificate yet (still starting?)'));
          return;
        }
        if (res.statusCode !== 200) {
          reject(fail(`its admin endpoint answered ${res.statusCode}`));
          return;
        }
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SecretDump;
          if (typeof body?.spiffeId !== 'string' || !Array.isArray(body.chain)) throw new Error('not a /certs answer');
          resolve(body);
        } catch (err) {
          reject(fail(`its answer is not a certificate description (${(err as Error).message})`, err));
        }
      });
      res.on('error', (err) => reject(fail(err.message, err)));
    });
    req.on('timeout', () => {
      req.destroy();
      reject(fail(`its admin endpoint ${w.address}:${w.adminPort} did not answer within ${timeoutMs} ms`));
    });
    req.on('error', (err) => reject(fail(`its admin endpoint ${w.address}:${w.adminPort} is unreachable (${err.message})`, err)));
  });
}
