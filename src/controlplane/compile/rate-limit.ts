// Which local rate limit each direction of this proxy enforces: EnvoyFilters and LocalRateLimits in scope, the most specific one winning.
import { localRateLimitOf } from '../../api/kinds/envoy-filter/local-ratelimit.ts';
import { directionOf, type Direction } from '../../api/kinds/envoy-filter/validate.ts';
import type { EnvoyFilter, LocalRateLimitPolicy } from '../../api/resource.ts';
import type { LocalRateLimit, NodeInfo } from '../../model/proxy-config.ts';
import { convertEnvoyLocalRateLimit, convertWeftLocalRateLimit } from './convert/local-rate-limit.ts';
import { compareStrings, selects } from './labels.ts';

export interface RateLimits {
  readonly inbound?: LocalRateLimit;
  readonly outbound?: LocalRateLimit;
}

export interface RateLimitParams {
  readonly envoyFilters: readonly EnvoyFilter[];
  readonly rateLimits: readonly LocalRateLimitPolicy[];
  readonly proxy: NodeInfo;
  readonly rootNamespace: string;
}

interface Candidate {
  readonly direction: Direction;
  readonly rank: number;
  readonly name: string;
  readonly kind: string;
  readonly limit: () => LocalRateLimit;
}

/**
 * Scope, as Istio's PushContext.EnvoyFilters: a resource in the mesh root namespace applies to every
 * proxy its selector matches, one in any other namespace only to proxies of that namespace; no
 * selector (or an empty one) selects every proxy in scope. EnvoyFilter selects with
 * `workloadSelector.labels`, LocalRateLimit with `selector.matchLabels`.
 *
 * Istio applies every matching EnvoyFilter, so several local_ratelimit filters would stack (a request
 * must pass each bucket). Weft keeps one limit per direction, the most specific:
 *
 *   3. a selector, in the proxy's namespace;
 *   2. a selector, in the root namespace;
 *   1. no selector, in the proxy's namespace;
 *   0. no selector, in the root namespace (mesh-wide);
 *
 * and among equals the first by metadata.name, then by kind (EnvoyFilter before LocalRateLimit).
 */
export function buildRateLimits({ envoyFilters, rateLimits, proxy, rootNamespace }: RateLimitParams): RateLimits {
  const candidates: Candidate[] = [];
  const rankOf = (namespace: string, selector: Readonly<Record<string, string>> | undefined): number | undefined => {
    const own = namespace === proxy.namespace;
    if (!own && namespace !== rootNamespace) return undefined;
    if (!selects(selector, proxy.labels)) return undefined;
    const selected = selector !== undefined && Object.keys(selector).length > 0;
    return (selected ? 2 : 0) + (own ? 1 : 0);
  };
  for (const ef of envoyFilters) {
    const rank = rankOf(ef.metadata.namespace, ef.spec.workloadSelector?.labels);
    if (rank === undefined) continue;
    for (const p of ef.spec.configPatches ?? []) {
      const direction = directionOf(p);
      const config = p.patch?.value === undefined ? undefined : localRateLimitOf(p.patch.value);
      if (direction === undefined || config === undefined) continue;
      candidates.push({ direction, rank, name: ef.metadata.name, kind: ef.kind, limit: () => convertEnvoyLocalRateLimit(config) });
    }
  }
  for (const rl of rateLimits) {
    const rank = rankOf(rl.metadata.namespace, rl.spec.selector?.matchLabels);
    if (rank === undefined) continue;
    candidates.push({ direction: rl.spec.direction ?? 'inbound', rank, name: rl.metadata.name, kind: rl.kind, limit: () => convertWeftLocalRateLimit(rl.spec) });
  }
  const inbound = best(candidates, 'inbound');
  const outbound = best(candidates, 'outbound');
  return { ...(inbound === undefined ? {} : { inbound }), ...(outbound === undefined ? {} : { outbound }) };
}

function best(candidates: readonly Candidate[], direction: Direction): LocalRateLimit | undefined {
  let top: Candidate | undefined;
  for (const c of candidates) {
    if (c.direction !== direction) continue;
    if (top === undefined || c.rank > top.rank || (c.rank === top.rank && (compareStrings(c.name, top.name) || compareStrings(c.kind, top.kind)) < 0)) top = c;
  }
  return top?.limit();
}
