// Converts Istio's http[].retries into the route's RetryPolicy, with Istio's default policy when the route gives none.
import type { HTTPRetry } from '../../../api/kinds/virtual-service/types.ts';
import { RETRY_CONDITIONS, type RetryCondition, type RetryPolicy } from '../../../model/proxy-config.ts';
import { durationMs } from './duration.ts';

/** Envoy's default retry backoff: 25 ms base interval, the maximum ten times the base. */
export const DEFAULT_BACKOFF_BASE_MS = 25;
const BACKOFF_MAX_FACTOR = 10;

/**
 * Istio's retry.DefaultPolicy() (pilot/pkg/networking/core/route/retry/retry.go), applied to every
 * outbound route whose VirtualService sets no `retries`, and to the default route of a service with
 * no VirtualService: 2 retries on connect-failure, refused-stream, unavailable, cancelled and
 * retriable-status-codes with 503 (PILOT's EXCLUDE_503_FROM_DEFAULT_RETRY is off by default), no
 * per-try timeout, Envoy's backoff, and the previous_hosts predicate so a retry prefers an endpoint
 * not tried yet. (Istio also sets host_selection_retry_max_attempts 5: how hard that preference tries.)
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 2,
  retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
  retriableStatusCodes: [503],
  backoffBaseMs: DEFAULT_BACKOFF_BASE_MS,
  backoffMaxMs: DEFAULT_BACKOFF_BASE_MS * BACKOFF_MAX_FACTOR,
  avoidPreviousHosts: true,
};

const KNOWN: ReadonlySet<string> = new Set(RETRY_CONDITIONS);

/**
 * Istio's retry.ConvertPolicy: no `retries` → DEFAULT_RETRY_POLICY; `attempts` ≤ 0 → no retries at
 * all; otherwise the default policy with the route's fields laid over it:
 *
 * - attempts → maxRetries (retries after the first attempt, as Envoy's num_retries);
 * - retryOn, when given, replaces both the conditions and the status codes: each number in it is a
 *   retriable status, and any number adds `retriable-status-codes` if the list lacks it. Without
 *   retryOn the default conditions and the default 503 stay (so `attempts: 5` alone retries 503s);
 * - perTryTimeout, backoff (Envoy's base interval; the maximum stays ten times it);
 * - retryIgnorePreviousHosts, default true.
 *
 * `retryRemoteLocalities` is not read: Weft has no localities, so every endpoint is in the local one
 * and there is no remote locality to prefer. Conditions Weft's proxy does not implement
 * (reset-before-request, retriable-headers, envoy-ratelimited, http3-post-connect-failure) are left
 * out; `weft apply` warns about them.
 */
export function convertRetry(retries: HTTPRetry | undefined): RetryPolicy | undefined {
  if (retries === undefined) return DEFAULT_RETRY_POLICY;
  if ((retries.attempts ?? 0) <= 0) return undefined;
  let retryOn: readonly RetryCondition[] = DEFAULT_RETRY_POLICY.retryOn;
  let retriableStatusCodes: readonly number[] = DEFAULT_RETRY_POLICY.retriableStatusCodes;
  if (retries.retryOn !== undefined && retries.retryOn.trim() !== '') ({ retryOn, retriableStatusCodes } = parseRetryOn(retries.retryOn));
  const backoffBaseMs = retries.backoff === undefined ? DEFAULT_BACKOFF_BASE_MS : durationMs(retries.backoff);
  return {
    maxRetries: retries.attempts!,
    ...(retries.perTryTimeout === undefined ? {} : { perTryTimeoutMs: durationMs(retries.perTryTimeout) }),
    retryOn,
    retriableStatusCodes,
    backoffBaseMs,
    backoffMaxMs: backoffBaseMs * BACKOFF_MAX_FACTOR,
    avoidPreviousHosts: retries.retryIgnorePreviousHosts ?? true,
  };
}

/** Istio's parseRetryOn: comma-separated, blanks ignored; numbers are status codes; each entry kept once, in order. */
export function parseRetryOn(text: string): { retryOn: RetryCondition[]; retriableStatusCodes: number[] } {
  const retryOn: RetryCondition[] = [];
  const codes: number[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (/^\d+$/.test(part)) {
      const code = Number(part);
      if (!codes.includes(code)) codes.push(code);
    } else if (isCondition(part) && !retryOn.includes(part)) {
      retryOn.push(part);
    }
  }
  if (codes.length > 0 && !retryOn.includes('retriable-status-codes')) retryOn.push('retriable-status-codes');
  return { retryOn, retriableStatusCodes: codes };
}

function isCondition(s: string): s is RetryCondition {
  return KNOWN.has(s);
}
