/**
 * VirtualService spec as Istio defines it (networking.istio.io v1alpha3 / v1beta1 / v1 share one
 * shape). Field names and nesting follow istio/api virtual_service.proto's JSON form. Which fields
 * Weft enforces is recorded in api/field-status.ts and docs/compatibility.md.
 */

/** Exactly one of the three, except that an empty match on a header or query parameter means "present". */
export interface StringMatch {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
}

export interface Percent { readonly value: number }

export interface PortSelector { readonly number?: number }

export interface Destination {
  readonly host: string;
  readonly subset?: string;
  readonly port?: PortSelector;
}

export interface HeaderOperations {
  readonly set?: Readonly<Record<string, string>>;
  readonly add?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

export interface Headers {
  readonly request?: HeaderOperations;
  readonly response?: HeaderOperations;
}

export interface HTTPMatchRequest {
  readonly name?: string;
  readonly uri?: StringMatch;
  readonly scheme?: StringMatch;
  readonly method?: StringMatch;
  readonly authority?: StringMatch;
  readonly headers?: Readonly<Record<string, StringMatch>>;
  readonly port?: number;
  readonly sourceLabels?: Readonly<Record<string, string>>;
  readonly gateways?: readonly string[];
  readonly queryParams?: Readonly<Record<string, StringMatch>>;
  readonly ignoreUriCase?: boolean;
  readonly withoutHeaders?: Readonly<Record<string, StringMatch>>;
  readonly sourceNamespace?: string;
  readonly statPrefix?: string;
}

export interface HTTPRouteDestination {
  readonly destination: Destination;
  readonly weight?: number;
  readonly headers?: Headers;
}

export interface HTTPRedirect {
  readonly uri?: string;
  readonly authority?: string;
  readonly port?: number;
  readonly derivePort?: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';
  readonly scheme?: string;
  readonly redirectCode?: number;
}

export interface HTTPBody { readonly string?: string; readonly bytes?: string }

export interface HTTPDirectResponse {
  readonly status: number;
  readonly body?: HTTPBody;
}

export interface Delegate { readonly name?: string; readonly namespace?: string }

export interface RegexRewrite { readonly match?: string; readonly rewrite?: string }

export interface HTTPRewrite {
  readonly uri?: string;
  readonly authority?: string;
  readonly uriRegexRewrite?: RegexRewrite;
}

export interface HTTPRetry {
  readonly attempts?: number;
  readonly perTryTimeout?: string;
  readonly retryOn?: string;
  readonly retryRemoteLocalities?: boolean;
  /** Prefer hosts not tried before (Envoy's previous_hosts predicate); Istio's default is true. */
  readonly retryIgnorePreviousHosts?: boolean;
  /** Minimum time between retry attempts (Envoy's base interval). */
  readonly backoff?: string;
}

export interface FaultDelay {
  readonly fixedDelay?: string;
  readonly exponentialDelay?: string;
  readonly percentage?: Percent;
  /** Deprecated integer percentage (0–100), still used in older YAML. */
  readonly percent?: number;
}

export interface FaultAbort {
  readonly httpStatus?: number;
  readonly grpcStatus?: string;
  readonly http2Error?: string;
  readonly percentage?: Percent;
}

export interface HTTPFaultInjection {
  readonly delay?: FaultDelay;
  readonly abort?: FaultAbort;
}

export interface HTTPMirrorPolicy {
  readonly destination: Destination;
  readonly percentage?: Percent;
}

export interface CorsPolicy {
  readonly allowOrigins?: readonly StringMatch[];
  /** Deprecated list of exact origins. */
  readonly allowOrigin?: readonly string[];
  readonly allowMethods?: readonly string[];
  readonly allowHeaders?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  readonly maxAge?: string;
  readonly allowCredentials?: boolean;
  readonly unmatchedPreflights?: 'UNSPECIFIED' | 'FORWARD' | 'IGNORE';
}

export interface HTTPRoute {
  readonly name?: string;
  readonly match?: readonly HTTPMatchRequest[];
  readonly route?: readonly HTTPRouteDestination[];
  readonly redirect?: HTTPRedirect;
  readonly directResponse?: HTTPDirectResponse;
  readonly delegate?: Delegate;
  readonly rewrite?: HTTPRewrite;
  readonly timeout?: string;
  readonly retries?: HTTPRetry;
  readonly fault?: HTTPFaultInjection;
  readonly mirror?: Destination;
  readonly mirrors?: readonly HTTPMirrorPolicy[];
  readonly mirrorPercentage?: Percent;
  /** Deprecated integer mirror percentage. */
  readonly mirrorPercent?: number;
  readonly corsPolicy?: CorsPolicy;
  readonly headers?: Headers;
}

export interface RouteDestination {
  readonly destination: Destination;
  readonly weight?: number;
}

export interface TLSMatchAttributes {
  readonly sniHosts: readonly string[];
  readonly destinationSubnets?: readonly string[];
  readonly port?: number;
  readonly sourceLabels?: Readonly<Record<string, string>>;
  readonly gateways?: readonly string[];
  readonly sourceNamespace?: string;
}

export interface TLSRoute {
  readonly match: readonly TLSMatchAttributes[];
  readonly route?: readonly RouteDestination[];
}

export interface L4MatchAttributes {
  readonly destinationSubnets?: readonly string[];
  readonly port?: number;
  /** Deprecated and ignored by Istio; still accepted in YAML. */
  readonly sourceSubnet?: string;
  readonly sourceLabels?: Readonly<Record<string, string>>;
  readonly gateways?: readonly string[];
  readonly sourceNamespace?: string;
}

export interface TCPRoute {
  readonly match?: readonly L4MatchAttributes[];
  readonly route?: readonly RouteDestination[];
}

export interface VirtualServiceSpec {
  readonly hosts?: readonly string[];
  readonly gateways?: readonly string[];
  readonly http?: readonly HTTPRoute[];
  readonly tls?: readonly TLSRoute[];
  readonly tcp?: readonly TCPRoute[];
  readonly exportTo?: readonly string[];
}
