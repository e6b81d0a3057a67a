/**
 * SpanRecord: one finished span as a sidecar reports it to the control plane's trace store
 * (issue 5, POST /v1/proxies/:id/spans with a SpanBatch), and as the store hands it to the CLI.
 * Ids are lower-case hex (W3C trace-context sizes); times are microseconds since the epoch.
 */

export const SPAN_KINDS = ['CLIENT', 'SERVER'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export interface SpanRecord {
  /** 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
  /** 16 hex digits; absent on a root span. */
  readonly parentSpanId?: string;
  /** "GET /users/123". */
  readonly name: string;
  /** CLIENT on the caller's (outbound) sidecar, SERVER on the callee's (inbound) one. */
  readonly kind: SpanKind;
  readonly startUs: number;
  readonly durationUs: number;
  /** The reporting workload's service, Istio's "<app>.<namespace>" ("order-service.default"). */
  readonly service: string;
  /** The reporting proxy's id ("<workload>.<namespace>"). */
  readonly node: string;
  /** True for a 5xx answer or no answer at all. */
  readonly error: boolean;
  /** Envoy's span tags (http.method, http.url, http.status_code, upstream_cluster, …) and custom tags. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface SpanBatch {
  readonly spans: readonly SpanRecord[];
}

/** Bounds a sidecar keeps to and the control plane enforces on what it stores. */
export const SPAN_LIMITS = {
  /** Spans per POST. */
  maxBatch: 512,
  /** Tags per span. */
  maxTags: 64,
  /** Characters of a tag key or the span name. */
  maxName: 256,
  /** Characters of a tag value. */
  maxValue: 1024,
  /** Characters of all tag keys and values of one span together. */
  maxTagText: 4096,
} as const;
