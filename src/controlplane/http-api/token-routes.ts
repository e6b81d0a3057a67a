/**
 * Issue 4: the join-token route (admin only), used by `weft token create` and by `weft proxy` /
 * `weft run` minting a token for themselves when they can read the admin credential.
 *
 *   POST /v1/tokens   admin   JoinTokenRequest → 200 JoinTokenResponse | 400 | 401
 *   GET  /v1/root     public  200 RootResponse: the mesh root, for a sidecar that pins it by the
 *                             hash in its join token (it is public; the hash is what is trusted)
 */
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { formatSpiffeId } from '../../model/spiffe.ts';
import { DEFAULT_JOIN_TOKEN_TTL_MS, identityProblem, MAX_JOIN_TOKEN_TTL_MS, MIN_JOIN_TOKEN_TTL_MS, type JoinTokenIssuer } from '../auth/join-token.ts';
import { readJson } from './body.ts';
import { HttpError } from './errors.ts';
import { sendJson } from './respond.ts';
import type { Router } from './router.ts';

export interface JoinTokenRequest {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Lifetime; default 1 h, 1 s – 365 days. */
  readonly ttlMs?: number;
}

export interface JoinTokenResponse {
  readonly token: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The one identity the token can obtain a certificate for. */
  readonly spiffeId: string;
  readonly expiresAt: string;
  /** SHA-256 of the mesh root (hex), also inside the token, for pinning. */
  readonly caHash: string;
}

export interface RootResponse {
  /** PEM of the mesh root(s). */
  readonly rootCertPem: string;
  readonly caHash: string;
}

export interface TokenRouteDeps {
  readonly rootCertPem: string;
  readonly joinTokens: JoinTokenIssuer;
  readonly trustDomain: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
}

export function addTokenRoutes(router: Router, deps: TokenRouteDeps): void {
  router.add('POST', '/v1/tokens', async ({ req, res }) => {
    const body = await readJson(req, deps.maxBodyBytes, 'a JoinTokenRequest { "namespace", "serviceAccount", "ttlMs"? }') as Partial<Record<keyof JoinTokenRequest, unknown>>;
    const { namespace, serviceAccount } = body;
    const ttlMs = body.ttlMs ?? DEFAULT_JOIN_TOKEN_TTL_MS;
    if (typeof namespace !== 'string' || typeof serviceAccount !== 'string') {
      throw new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', 'the request body is not a JoinTokenRequest: "namespace" and "serviceAccount" must be strings');
    }
    const problem = identityProblem(namespace, serviceAccount);
    if (problem !== null) throw new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', `cannot issue a join token: ${problem}`);
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < MIN_JOIN_TOKEN_TTL_MS || ttlMs > MAX_JOIN_TOKEN_TTL_MS) {
      throw new HttpError(400, 'WEFT_HTTP_BAD_REQUEST', `ttlMs must be between ${MIN_JOIN_TOKEN_TTL_MS} ms and 365 days, got ${JSON.stringify(ttlMs)}`);
    }
    const expiresAt = deps.clock.now() + ttlMs;
    const token = deps.joinTokens.mint(namespace, serviceAccount, expiresAt);
    const spiffeId = formatSpiffeId({ trustDomain: deps.trustDomain, namespace, serviceAccount });
    deps.logger.info({ spiffeId, expiresAt: new Date(expiresAt).toISOString() }, 'issued a join token');
    const reply: JoinTokenResponse = { token, namespace, serviceAccount, spiffeId, expiresAt: new Date(expiresAt).toISOString(), caHash: deps.joinTokens.caHash };
    sendJson(res, 200, reply);
  });

  router.add('GET', '/v1/root', ({ res }) => {
    const reply: RootResponse = { rootCertPem: deps.rootCertPem, caHash: deps.joinTokens.caHash };
    sendJson(res, 200, reply);
  }, 'public');
}
