// Zod schema of the EnvoyFilter spec: Istio's whole shape, strict; patch.value stays a free-form Struct that validate.ts reads.
import { z } from 'zod';
import { int32, stringMap, uint32 } from '../../schema/primitives.ts';
import type { AllSame, AssertAssignable, SameKeys } from '../../schema/type-check.ts';
import * as T from './types.ts';

const opt = <S extends z.ZodType>(s: S): z.ZodExactOptional<S> => s.exactOptional();

export const proxyMatch = z.strictObject({ proxyVersion: opt(z.string()), metadata: opt(stringMap()) });
export const clusterMatch = z.strictObject({ portNumber: opt(uint32()), service: opt(z.string()), subset: opt(z.string()), name: opt(z.string()) });
export const routeMatch = z.strictObject({ name: opt(z.string()), action: opt(z.enum(T.ROUTE_ACTIONS)) });
export const virtualHostMatch = z.strictObject({ name: opt(z.string()), route: opt(routeMatch), domainName: opt(z.string()) });
export const routeConfigurationMatch = z.strictObject({
  portNumber: opt(uint32()),
  portName: opt(z.string()),
  gateway: opt(z.string()),
  vhost: opt(virtualHostMatch),
  name: opt(z.string()),
});
export const subFilterMatch = z.strictObject({ name: opt(z.string()) });
export const filterMatch = z.strictObject({ name: opt(z.string()), subFilter: opt(subFilterMatch) });
export const filterChainMatch = z.strictObject({
  name: opt(z.string()),
  sni: opt(z.string()),
  transportProtocol: opt(z.string()),
  applicationProtocols: opt(z.string()),
  filter: opt(filterMatch),
  destinationPort: opt(uint32()),
});
export const listenerMatch = z.strictObject({
  portNumber: opt(uint32()),
  portName: opt(z.string()),
  filterChain: opt(filterChainMatch),
  listenerFilter: opt(z.string()),
  name: opt(z.string()),
});
export const envoyConfigObjectMatch = z.strictObject({
  context: opt(z.enum(T.PATCH_CONTEXTS)),
  proxy: opt(proxyMatch),
  listener: opt(listenerMatch),
  routeConfiguration: opt(routeConfigurationMatch),
  cluster: opt(clusterMatch),
});
/** google.protobuf.Struct: any mapping; Istio keeps it as written (preserveUnknownFields) and so does the schema. */
export const struct = z.record(z.string(), z.unknown());
export const patch = z.strictObject({ operation: opt(z.enum(T.PATCH_OPERATIONS)), value: opt(struct), filterClass: opt(z.enum(T.FILTER_CLASSES)) });
export const envoyConfigObjectPatch = z.strictObject({ applyTo: opt(z.enum(T.APPLY_TO)), match: opt(envoyConfigObjectMatch), patch: opt(patch) });
export const workloadSelector = z.strictObject({ labels: opt(stringMap()) });
export const policyTargetReference = z.strictObject({ group: opt(z.string()), kind: opt(z.string()), name: opt(z.string()), namespace: opt(z.string()) });

export const envoyFilterSpec = z.strictObject({
  workloadSelector: opt(workloadSelector),
  targetRefs: opt(z.array(policyTargetReference)),
  configPatches: opt(z.array(envoyConfigObjectPatch)),
  priority: opt(int32()),
});

// The schema's output is usable as the contract type, and every message has the same fields.
export type _SpecIsAssignable = AssertAssignable<z.infer<typeof envoyFilterSpec>, T.EnvoyFilterSpec>;
type Same<S extends z.ZodType, U> = SameKeys<z.infer<S>, U>;
export type _SameFields = AllSame<[
  Same<typeof proxyMatch, T.ProxyMatch>, Same<typeof clusterMatch, T.ClusterMatch>, Same<typeof routeMatch, T.RouteMatch>,
  Same<typeof virtualHostMatch, T.VirtualHostMatch>, Same<typeof routeConfigurationMatch, T.RouteConfigurationMatch>,
  Same<typeof subFilterMatch, T.SubFilterMatch>, Same<typeof filterMatch, T.FilterMatch>, Same<typeof filterChainMatch, T.FilterChainMatch>,
  Same<typeof listenerMatch, T.ListenerMatch>, Same<typeof envoyConfigObjectMatch, T.EnvoyConfigObjectMatch>,
  Same<typeof patch, T.Patch>, Same<typeof envoyConfigObjectPatch, T.EnvoyConfigObjectPatch>,
  Same<typeof workloadSelector, T.WorkloadSelector>, Same<typeof policyTargetReference, T.PolicyTargetReference>,
  Same<typeof envoyFilterSpec, T.EnvoyFilterSpec>,
]>;
