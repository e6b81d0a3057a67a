// Zod schema of the VirtualService spec: strict (unknown fields are errors), every field of types.ts, Istio's JSON names.
import { z } from 'zod';
import { duration, int32, stringMap, uint32 } from '../../schema/primitives.ts';
import type { AllSame, AssertAssignable, SameKeys } from '../../schema/type-check.ts';
import type * as T from './types.ts';

const opt = <S extends z.ZodType>(s: S): z.ZodExactOptional<S> => s.exactOptional();

export const stringMatch = z.strictObject({ exact: opt(z.string()), prefix: opt(z.string()), regex: opt(z.string()) });
export const percent = z.strictObject({ value: z.number() });
export const portSelector = z.strictObject({ number: opt(uint32()) });
export const destination = z.strictObject({ host: z.string(), subset: opt(z.string()), port: opt(portSelector) });
export const headerOperations = z.strictObject({ set: opt(stringMap()), add: opt(stringMap()), remove: opt(z.array(z.string())) });
export const headers = z.strictObject({ request: opt(headerOperations), response: opt(headerOperations) });

const stringMatchMap = z.record(z.string(), stringMatch);

export const httpMatchRequest = z.strictObject({
  name: opt(z.string()),
  uri: opt(stringMatch),
  scheme: opt(stringMatch),
  method: opt(stringMatch),
  authority: opt(stringMatch),
  headers: opt(stringMatchMap),
  port: opt(uint32()),
  sourceLabels: opt(stringMap()),
  gateways: opt(z.array(z.string())),
  queryParams: opt(stringMatchMap),
  ignoreUriCase: opt(z.boolean()),
  withoutHeaders: opt(stringMatchMap),
  sourceNamespace: opt(z.string()),
  statPrefix: opt(z.string()),
});

export const httpRouteDestination = z.strictObject({ destination, weight: opt(int32()), headers: opt(headers) });

export const httpRedirect = z.strictObject({
  uri: opt(z.string()),
  authority: opt(z.string()),
  port: opt(uint32()),
  derivePort: opt(z.enum(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'])),
  scheme: opt(z.string()),
  redirectCode: opt(uint32()),
});

export const httpBody = z.strictObject({ string: opt(z.string()), bytes: opt(z.string()) });
export const httpDirectResponse = z.strictObject({ status: uint32(), body: opt(httpBody) });
export const delegate = z.strictObject({ name: opt(z.string()), namespace: opt(z.string()) });
export const regexRewrite = z.strictObject({ match: opt(z.string()), rewrite: opt(z.string()) });
export const httpRewrite = z.strictObject({ uri: opt(z.string()), authority: opt(z.string()), uriRegexRewrite: opt(regexRewrite) });

export const httpRetry = z.strictObject({
  attempts: opt(int32()),
  perTryTimeout: opt(duration()),
  retryOn: opt(z.string()),
  retryRemoteLocalities: opt(z.boolean()),
  retryIgnorePreviousHosts: opt(z.boolean()),
  backoff: opt(duration()),
});

export const faultDelay = z.strictObject({
  fixedDelay: opt(duration()),
  exponentialDelay: opt(duration()),
  percentage: opt(percent),
  percent: opt(int32()),
});
export const faultAbort = z.strictObject({
  httpStatus: opt(int32()),
  grpcStatus: opt(z.string()),
  http2Error: opt(z.string()),
  percentage: opt(percent),
});
export const httpFaultInjection = z.strictObject({ delay: opt(faultDelay), abort: opt(faultAbort) });
export const httpMirrorPolicy = z.strictObject({ destination, percentage: opt(percent) });

export const corsPolicy = z.strictObject({
  allowOrigins: opt(z.array(stringMatch)),
  allowOrigin: opt(z.array(z.string())),
  allowMethods: opt(z.array(z.string())),
  allowHeaders: opt(z.array(z.string())),
  exposeHeaders: opt(z.array(z.string())),
  maxAge: opt(duration()),
  allowCredentials: opt(z.boolean()),
  unmatchedPreflights: opt(z.enum(['UNSPECIFIED', 'FORWARD', 'IGNORE'])),
});

export const httpRoute = z.strictObject({
  name: opt(z.string()),
  match: opt(z.array(httpMatchRequest)),
  route: opt(z.array(httpRouteDestination)),
  redirect: opt(httpRedirect),
  directResponse: opt(httpDirectResponse),
  delegate: opt(delegate),
  rewrite: opt(httpRewrite),
  timeout: opt(duration()),
  retries: opt(httpRetry),
  fault: opt(httpFaultInjection),
  mirror: opt(destination),
  mirrors: opt(z.array(httpMirrorPolicy)),
  mirrorPercentage: opt(percent),
  mirrorPercent: opt(uint32()),
  corsPolicy: opt(corsPolicy),
  headers: opt(headers),
});

export const routeDestination = z.strictObject({ destination, weight: opt(int32()) });

export const tlsMatchAttributes = z.strictObject({
  sniHosts: z.array(z.string()),
  destinationSubnets: opt(z.array(z.string())),
  port: opt(uint32()),
  sourceLabels: opt(stringMap()),
  gateways: opt(z.array(z.string())),
  sourceNamespace: opt(z.string()),
});
export const tlsRoute = z.strictObject({ match: z.array(tlsMatchAttributes), route: opt(z.array(routeDestination)) });

export const l4MatchAttributes = z.strictObject({
  destinationSubnets: opt(z.array(z.string())),
  port: opt(uint32()),
  sourceSubnet: opt(z.string()),
  sourceLabels: opt(stringMap()),
  gateways: opt(z.array(z.string())),
  sourceNamespace: opt(z.string()),
});
export const tcpRoute = z.strictObject({ match: opt(z.array(l4MatchAttributes)), route: opt(z.array(routeDestination)) });

export const virtualServiceSpec = z.strictObject({
  hosts: opt(z.array(z.string())),
  gateways: opt(z.array(z.string())),
  http: opt(z.array(httpRoute)),
  tls: opt(z.array(tlsRoute)),
  tcp: opt(z.array(tcpRoute)),
  exportTo: opt(z.array(z.string())),
});

// The schema's output is usable as the contract type, and every message has the same fields.
export type _SpecIsAssignable = AssertAssignable<z.infer<typeof virtualServiceSpec>, T.VirtualServiceSpec>;
type Same<S extends z.ZodType, U> = SameKeys<z.infer<S>, U>;
export type _SameFields = AllSame<[
  Same<typeof stringMatch, T.StringMatch>, Same<typeof percent, T.Percent>, Same<typeof portSelector, T.PortSelector>,
  Same<typeof destination, T.Destination>, Same<typeof headerOperations, T.HeaderOperations>, Same<typeof headers, T.Headers>,
  Same<typeof httpMatchRequest, T.HTTPMatchRequest>, Same<typeof httpRouteDestination, T.HTTPRouteDestination>,
  Same<typeof httpRedirect, T.HTTPRedirect>, Same<typeof httpBody, T.HTTPBody>, Same<typeof httpDirectResponse, T.HTTPDirectResponse>,
  Same<typeof delegate, T.Delegate>, Same<typeof regexRewrite, T.RegexRewrite>, Same<typeof httpRewrite, T.HTTPRewrite>,
  Same<typeof httpRetry, T.HTTPRetry>, Same<typeof faultDelay, T.FaultDelay>, Same<typeof faultAbort, T.FaultAbort>,
  Same<typeof httpFaultInjection, T.HTTPFaultInjection>, Same<typeof httpMirrorPolicy, T.HTTPMirrorPolicy>,
  Same<typeof corsPolicy, T.CorsPolicy>, Same<typeof httpRoute, T.HTTPRoute>, Same<typeof routeDestination, T.RouteDestination>,
  Same<typeof tlsMatchAttributes, T.TLSMatchAttributes>, Same<typeof tlsRoute, T.TLSRoute>,
  Same<typeof l4MatchAttributes, T.L4MatchAttributes>, Same<typeof tcpRoute, T.TCPRoute>,
  Same<typeof virtualServiceSpec, T.VirtualServiceSpec>,
]>;
