/**
 * Telemetry (telemetry.istio.io v1alpha1, v1): which tracing, metrics and access-log providers a
 * workload's sidecar uses and how, after istio/api telemetry/v1/telemetry.proto. Scope as Istio's:
 * the mesh root namespace without selector (mesh-wide), a namespace without selector, a workload
 * selector in a namespace; the more specific overrides the less specific field by field.
 */
import type { WorkloadSelector, PolicyTargetReference } from '../common-types.ts';
export type { WorkloadSelector, PolicyTargetReference };

export const SELECTOR_MODES = ['CLIENT_AND_SERVER', 'CLIENT', 'SERVER'] as const;
export type SelectorMode = (typeof SELECTOR_MODES)[number];



export interface ProviderRef { readonly name: string }

export interface TracingSelector { readonly mode?: SelectorMode }

export interface CustomTagLiteral { readonly value: string }
export interface CustomTagEnvironment { readonly name: string; readonly defaultValue?: string }
export interface CustomTagHeader { readonly name: string; readonly defaultValue?: string }

/** Exactly one of literal, environment, header. */
export interface CustomTag {
  readonly literal?: CustomTagLiteral;
  readonly environment?: CustomTagEnvironment;
  readonly header?: CustomTagHeader;
}

export interface Tracing {
  readonly match?: TracingSelector;
  /** Names of meshConfig.extensionProviders; absent: meshConfig.defaultProviders.tracing. */
  readonly providers?: readonly ProviderRef[];
  /** 0–100; absent: meshConfig.defaultConfig.tracing.sampling, else 1. */
  readonly randomSamplingPercentage?: number;
  /** No spans reported; context propagation and sampling are unaffected. */
  readonly disableSpanReporting?: boolean;
  readonly customTags?: Readonly<Record<string, CustomTag>>;
  readonly useRequestIdForTraceSampling?: boolean;
}

export const METRIC_NAMES = ['ALL_METRICS', 'REQUEST_COUNT', 'REQUEST_DURATION', 'REQUEST_SIZE', 'RESPONSE_SIZE', 'TCP_OPENED_CONNECTIONS', 'TCP_CLOSED_CONNECTIONS', 'TCP_SENT_BYTES', 'TCP_RECEIVED_BYTES', 'GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface MetricSelector {
  readonly metric?: MetricName;
  readonly customMetric?: string;
  readonly mode?: SelectorMode;
}

export const TAG_OPERATIONS = ['UPSERT', 'REMOVE'] as const;

export interface TagOverride {
  readonly operation?: (typeof TAG_OPERATIONS)[number];
  readonly value?: string;
}

export interface MetricsOverrides {
  readonly match?: MetricSelector;
  readonly disabled?: boolean;
  readonly tagOverrides?: Readonly<Record<string, TagOverride>>;
}

export interface Metrics {
  readonly providers?: readonly ProviderRef[];
  readonly overrides?: readonly MetricsOverrides[];
  /** Duration ("15s"). */
  readonly reportingInterval?: string;
}

export interface AccessLogSelector { readonly mode?: SelectorMode }

export interface AccessLogFilter { readonly expression?: string }

export interface AccessLogging {
  readonly match?: AccessLogSelector;
  readonly providers?: readonly ProviderRef[];
  readonly disabled?: boolean;
  readonly filter?: AccessLogFilter;
}

export interface TelemetrySpec {
  readonly selector?: WorkloadSelector;
  readonly targetRef?: PolicyTargetReference;
  readonly targetRefs?: readonly PolicyTargetReference[];
  readonly tracing?: readonly Tracing[];
  readonly metrics?: readonly Metrics[];
  readonly accessLogging?: readonly AccessLogging[];
}
