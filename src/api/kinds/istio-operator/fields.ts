// Which IstioOperator fields Weft enforces, accepts without enforcing, or rejects (docs/compatibility.md mirrors this).
import type { FieldRule } from '../kind.ts';

const enforced: FieldRule = { status: 'enforced' };
const toStdout = (v: unknown): boolean => v === '' || v === '/dev/stdout';

/** Patterns not listed here (and not under a listed one) are accepted, not yet enforced: the installation API (components, values, …) means nothing to Weft. */
export const ISTIO_OPERATOR_FIELDS: Readonly<Record<string, FieldRule>> = {
  'spec.meshConfig.enableTracing': enforced,
  'spec.meshConfig.defaultConfig.tracing.sampling': enforced,
  'spec.meshConfig.defaultConfig.tracing.zipkin.address': enforced,
  'spec.meshConfig.defaultConfig.tracing.maxPathTagLength': enforced,
  'spec.meshConfig.defaultConfig.tracing.customTags.*.literal': enforced,
  'spec.meshConfig.defaultConfig.tracing.customTags.*.header': enforced,
  'spec.meshConfig.defaultConfig.tracing.customTags.*.environment': { status: 'enforced', note: 'read from each sidecar\'s environment, once per config' },
  'spec.meshConfig.accessLogFile': { status: 'enforced', enforcedWhen: toStdout, note: 'Weft writes the access log to the sidecar\'s stdout ("/dev/stdout"), or not at all ("")' },
  'spec.meshConfig.accessLogEncoding': enforced,
  'spec.meshConfig.accessLogFormat': enforced,
  'spec.meshConfig.extensionProviders[].name': enforced,
  'spec.meshConfig.extensionProviders[].zipkin.service': enforced,
  'spec.meshConfig.extensionProviders[].zipkin.port': enforced,
  'spec.meshConfig.extensionProviders[].zipkin.maxTagLength': enforced,
  'spec.meshConfig.extensionProviders[].zipkin.path': enforced,
  'spec.meshConfig.extensionProviders[].opentelemetry.service': enforced,
  'spec.meshConfig.extensionProviders[].opentelemetry.port': enforced,
  'spec.meshConfig.extensionProviders[].opentelemetry.maxTagLength': enforced,
  'spec.meshConfig.extensionProviders[].opentelemetry.http.path': enforced,
  'spec.meshConfig.extensionProviders[].opentelemetry.http.timeout': enforced,
  'spec.meshConfig.extensionProviders[].opentelemetry.http.headers[].name': enforced,
  'spec.meshConfig.extensionProviders[].opentelemetry.http.headers[].value': enforced,
  'spec.meshConfig.extensionProviders[].opentelemetry.http.headers[].envName': { status: 'enforced', note: 'read from each sidecar\'s environment (Istio reads istiod\'s); unset: no header' },
  'spec.meshConfig.extensionProviders[].envoyFileAccessLog.path': { status: 'enforced', enforcedWhen: toStdout, note: 'Weft writes the access log to the sidecar\'s stdout' },
  'spec.meshConfig.extensionProviders[].envoyFileAccessLog.logFormat.text': enforced,
  'spec.meshConfig.extensionProviders[].prometheus': enforced,
  'spec.meshConfig.defaultProviders.tracing': enforced,
  'spec.meshConfig.defaultProviders.accessLogging': enforced,
  'spec.meshConfig.defaultProviders.metrics': { status: 'accepted', note: 'Weft\'s one metrics provider is always on (switch it off with a Telemetry override)' },
};
