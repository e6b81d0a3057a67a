// Discovery of the mesh root by the hash a join token carries (kubeadm's discovery-token-ca-cert-hash): fetch GET /v1/root without trusting the connection, keep the answer only when its SHA-256 is the one in the token.
import { request } from 'node:https';
import { certificateHash, peekJoinToken } from '../controlplane/auth/join-token.ts';
import { CliError } from './errors.ts';
import { ExitCode } from './exit-codes.ts';

/** The root whose hash `joinToken` names, from the control plane at `url`; null when the token carries no hash. */
export async function discoverRoot(url: string, joinToken: string, timeoutMs = 10_000): Promise<string | null> {
  const claims = peekJoinToken(joinToken);
  if (claims === null || !/^[0-9a-f]{64}$/.test(claims.caHash)) return null;
  const body = await new Promise<string>((resolve, reject) => {
    // Unverified on purpose: what comes back is checked against the hash before it is used.
    const req = request(`${url}/v1/root`, { agent: false, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  }).catch((err: unknown) => {
    throw new CliError('WEFT_CONTROL_PLANE_UNREACHABLE', `cannot fetch the mesh root from ${url}`, ExitCode.UNREACHABLE, { hint: 'check --control-plane, or give the root with --ca-file', cause: err });
  });
  let pem: unknown;
  try {
    pem = (JSON.parse(body) as { rootCertPem?: unknown }).rootCertPem;
  } catch {
    pem = undefined;
  }
  let hash: string | null = null;
  try {
    hash = typeof pem === 'string' ? certificateHash(pem) : null;
  } catch {
    hash = null;
  }
  if (typeof pem !== 'string' || hash !== claims.caHash) {
    throw new CliError('WEFT_CLI_ROOT_MISMATCH', `the root served at ${url} is not the one the join token names (sha256 ${claims.caHash.slice(0, 16)}…)`, ExitCode.UNAUTHORIZED, {
      hint: 'something other than the control plane that minted the token answers there (or its root changed): check --control-plane, or give the root with --ca-file',
    });
  }
  return pem;
}
