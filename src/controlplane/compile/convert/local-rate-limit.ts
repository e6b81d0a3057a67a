// Converts a local rate limit, from an EnvoyFilter's local_ratelimit config or Weft's LocalRateLimit kind, into the proxy's LocalRateLimit stage.
import { fractionToPercent, parseProtoDuration, type EnvoyLocalRateLimit } from '../../../api/kinds/envoy-filter/local-ratelimit.ts';
import type { LocalRateLimitSpec } from '../../../api/kinds/local-rate-limit/types.ts';
import type { LocalRateLimit } from '../../../model/proxy-config.ts';
import { durationMs } from './duration.ts';

/**
 * Envoy's LocalRateLimit, field by field:
 *
 * - token_bucket: max_tokens, tokens_per_fill (Envoy's default 1), fill_interval.
 * - filter_enabled / filter_enforced: the default_value fraction (Weft has no runtime layer, so the
 *   runtime_key never overrides it, as in Envoy when the runtime holds no such key).
 *   **Deviation:** Envoy takes an absent fraction as 0 % ("for safety"), which makes an EnvoyFilter
 *   without them, like the seed's, a no-op. Weft takes an absent fraction as 100 %, so the seed's
 *   limit is enforced as the seed says; `weft apply` warns that Istio would not enforce it.
 * - response_headers_to_add: header key (lower-cased) and value. On Weft's 429 answer append,
 *   APPEND_IF_EXISTS_OR_ADD, ADD_IF_ABSENT and OVERWRITE_IF_EXISTS_OR_ADD all come to the same:
 *   the header is there once (OVERWRITE_IF_EXISTS never passes validation).
 * - stat_prefix names stats Weft does not keep per filter yet.
 */
export function convertEnvoyLocalRateLimit(c: EnvoyLocalRateLimit): LocalRateLimit {
  const bucket = c.token_bucket;
  if (bucket === undefined) throw new Error('compile: a local_ratelimit config without token_bucket reached the compiler (validation requires it)');
  const fill = parseProtoDuration(bucket.fill_interval);
  if (fill === null) throw new Error(`compile: invalid fill_interval ${JSON.stringify(bucket.fill_interval)} reached the compiler`);
  return {
    maxTokens: bucket.max_tokens,
    tokensPerFill: bucket.tokens_per_fill ?? 1,
    fillIntervalMs: Math.round(fill),
    enabledPercent: c.filter_enabled === undefined ? 100 : fractionToPercent(c.filter_enabled.default_value),
    enforcedPercent: c.filter_enforced === undefined ? 100 : fractionToPercent(c.filter_enforced.default_value),
    responseHeaders: (c.response_headers_to_add ?? []).map((h) => [h.header.key.toLowerCase(), h.header.value ?? ''] as const),
  };
}

/** Weft's kind: tokensPerFill defaults to maxTokens ("maxTokens per fillInterval"), every request is evaluated, enforcedPercent defaults to 100. */
export function convertWeftLocalRateLimit(spec: LocalRateLimitSpec): LocalRateLimit {
  return {
    maxTokens: spec.maxTokens,
    tokensPerFill: spec.tokensPerFill ?? spec.maxTokens,
    fillIntervalMs: durationMs(spec.fillInterval),
    enabledPercent: 100,
    enforcedPercent: spec.enforcedPercent ?? 100,
    responseHeaders: Object.entries(spec.responseHeaders ?? {})
      .map(([k, v]) => [k.toLowerCase(), v] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}
