/**
 * LocalRateLimit (weft.dev/v1alpha1): Weft's own small resource for a per-workload token bucket,
 * the first-class API Istio users have asked for instead of an EnvoyFilter. It compiles to the same
 * proxy stage as the EnvoyFilter form (ProxyConfig's LocalRateLimit); docs/resilience.md describes it.
 */

export const DIRECTIONS = ['inbound', 'outbound'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface LabelSelector { readonly matchLabels?: Readonly<Record<string, string>> }

export interface LocalRateLimitSpec {
  /** The workloads whose sidecars apply the limit; absent: every workload of the namespace (of the mesh, in the root namespace). */
  readonly selector?: LabelSelector;
  /** Requests the workload receives (inbound, the default) or sends (outbound). */
  readonly direction?: Direction;
  /** Bucket size: the burst allowed after a quiet period. */
  readonly maxTokens: number;
  /** Tokens added every fillInterval; absent: maxTokens (a full bucket each interval: "maxTokens per fillInterval"). */
  readonly tokensPerFill?: number;
  /** Duration ("60s", "1m", "500ms"), at least 50ms. */
  readonly fillInterval: string;
  /** Share of limited requests actually refused, 0–100 (default 100); the rest pass and are only counted. */
  readonly enforcedPercent?: number;
  /** Headers added to every 429 answer the limit produces. */
  readonly responseHeaders?: Readonly<Record<string, string>>;
}
