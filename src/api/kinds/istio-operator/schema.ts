// Zod schema of the IstioOperator spec: strict; meshConfig's observability fields typed, the rest of the operator API passed as opaque values.
import { z } from 'zod';
import { duration, uint32 } from '../../schema/primitives.ts';
import type { AllSame, AssertAssignable, SameKeys } from '../../schema/type-check.ts';
import * as T from './types.ts';

const opt = <S extends z.ZodType>(s: S): z.ZodExactOptional<S> => s.exactOptional();
const opaque = <K extends string>(keys: readonly K[]): Record<K, z.ZodExactOptional<z.ZodUnknown>> =>
  Object.fromEntries(keys.map((k) => [k, opt(z.unknown())])) as Record<K, z.ZodExactOptional<z.ZodUnknown>>;

const customTag = z.strictObject({
  literal: opt(z.strictObject({ value: z.string() })),
  environment: opt(z.strictObject({ name: z.string(), defaultValue: opt(z.string()) })),
  header: opt(z.strictObject({ name: z.string(), defaultValue: opt(z.string()) })),
});
const tracing = z.strictObject({
  sampling: opt(z.number()),
  zipkin: opt(z.strictObject({ address: opt(z.string()) })),
  maxPathTagLength: opt(uint32()),
  customTags: opt(z.record(z.string(), customTag)),
  ...opaque(['lightstep', 'datadog', 'stackdriver', 'openCensusAgent', 'tlsSettings'] as const),
});
const defaultConfig = z.strictObject({ tracing: opt(tracing), ...opaque(T.OTHER_PROXY_FIELDS) });
const zipkin = z.strictObject({ service: z.string(), port: uint32(), maxTagLength: opt(uint32()), enable64bitTraceId: opt(z.boolean()), path: opt(z.string()) });
const otelHeader = z.strictObject({ name: z.string(), value: opt(z.string()), envName: opt(z.string()) });
const otelHttp = z.strictObject({ path: opt(z.string()), timeout: opt(duration()), headers: opt(z.array(otelHeader)) });
const opentelemetry = z.strictObject({
  service: z.string(),
  port: uint32(),
  maxTagLength: opt(uint32()),
  http: opt(otelHttp),
  ...opaque(['grpc', 'resourceDetectors', 'dynatraceSampler'] as const),
});
const fileAccessLog = z.strictObject({ path: opt(z.string()), logFormat: opt(z.strictObject({ text: opt(z.string()), labels: opt(z.unknown()) })) });
const extensionProvider = z.strictObject({
  name: z.string(),
  zipkin: opt(zipkin),
  opentelemetry: opt(opentelemetry),
  envoyFileAccessLog: opt(fileAccessLog),
  prometheus: opt(z.unknown()),
  ...opaque(T.OTHER_PROVIDERS),
});
const defaultProviders = z.strictObject({ tracing: opt(z.array(z.string())), metrics: opt(z.array(z.string())), accessLogging: opt(z.array(z.string())) });
const meshConfig = z.strictObject({
  enableTracing: opt(z.boolean()),
  defaultConfig: opt(defaultConfig),
  accessLogFile: opt(z.string()),
  accessLogEncoding: opt(z.enum(T.ACCESS_LOG_ENCODINGS)),
  accessLogFormat: opt(z.string()),
  extensionProviders: opt(z.array(extensionProvider)),
  defaultProviders: opt(defaultProviders),
  ...opaque(T.OTHER_MESH_FIELDS),
});

export const istioOperatorSpec = z.strictObject({ meshConfig: opt(meshConfig), ...opaque(T.OPERATOR_FIELDS) });

// The schema's output is usable as the contract type, and every message has the same fields.
export type _SpecIsAssignable = AssertAssignable<z.infer<typeof istioOperatorSpec>, T.IstioOperatorSpec>;
type Same<S extends z.ZodType, U> = SameKeys<z.infer<S>, U>;
export type _SameFields = AllSame<[
  Same<typeof istioOperatorSpec, T.IstioOperatorSpec>, Same<typeof meshConfig, T.MeshConfigSpec>, Same<typeof defaultConfig, T.ProxyDefaults>,
  Same<typeof tracing, T.ProxyTracing>, Same<typeof extensionProvider, T.ExtensionProvider>, Same<typeof zipkin, T.ZipkinProvider>,
  Same<typeof opentelemetry, T.OpenTelemetryProvider>, Same<typeof fileAccessLog, T.FileAccessLogProvider>, Same<typeof defaultProviders, T.DefaultProviders>,
]>;
