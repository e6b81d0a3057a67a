// IstioOperator checks on the meshConfig fields Weft acts on: sampling in range, a usable collector address, providers defined once and referenced by name.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import type { ObjectMeta } from '../../resource.ts';
import { headerNameError } from '../../rules/headers.ts';
import { parseAccessLogFormat } from '../../../model/access-log-format.ts';
import { parseDuration } from '../../../lib/duration.ts';
import { badHeaderValue } from '../../../model/validate-telemetry.ts';
import type { ExtensionProvider, IstioOperatorSpec } from './types.ts';

/** Providers every mesh has without declaring them (Istio's built-in "envoy" access log and "prometheus" metrics). */
export const BUILTIN_PROVIDERS: readonly string[] = ['envoy', 'prometheus'];

/** "host:port" with a port in 1..65535 (Istio's zipkin.address). */
const ADDRESS = /^[A-Za-z0-9.-]+:(\d{1,5})$/;

/** The provider kinds an extensionProviders entry sets (exactly one is valid). */
export function providerKinds(p: ExtensionProvider): string[] {
  return Object.keys(p).filter((k) => k !== 'name');
}

export function validateIstioOperator(spec: IstioOperatorSpec, _meta: ObjectMeta, report: Reporter): void {
  const mesh = spec.meshConfig;
  if (mesh === undefined) return;
  const at = (...p: (string | number)[]): FieldPath => ['spec', 'meshConfig', ...p];
  if (mesh.accessLogFormat !== undefined && mesh.accessLogFormat !== '') {
    // The sidecars parse the same string; refusing it here keeps a bad format from being NACKed by every proxy.
    const parsed = parseAccessLogFormat(mesh.accessLogFormat);
    if ('error' in parsed) report.error(at('accessLogFormat'), `access log format: ${parsed.error}`);
  }
  const tracing = mesh.defaultConfig?.tracing;
  if (tracing?.sampling !== undefined && (!Number.isFinite(tracing.sampling) || tracing.sampling < 0 || tracing.sampling > 100)) {
    report.error(at('defaultConfig', 'tracing', 'sampling'), `sampling ${tracing.sampling} is not in range 0..100 (a percentage: 100.0 samples every request)`);
  }
  const address = tracing?.zipkin?.address;
  if (address !== undefined) {
    const m = ADDRESS.exec(address);
    const port = m === null ? 0 : Number(m[1]);
    if (port < 1 || port > 65535) report.error(at('defaultConfig', 'tracing', 'zipkin', 'address'), `zipkin address "${address}" is not "host:port" (as "jaeger-collector.istio-system:9411")`);
  }
  for (const [name, tag] of Object.entries(tracing?.customTags ?? {})) {
    const p = at('defaultConfig', 'tracing', 'customTags', name);
    const sources = [tag.literal, tag.environment, tag.header].filter((s) => s !== undefined).length;
    if (sources !== 1) report.error(p, `custom tag "${name}" must have exactly one of literal, environment, header (it has ${sources})`);
    if (tag.header !== undefined) {
      const e = headerNameError(tag.header.name);
      if (e !== null) report.error([...p, 'header', 'name'], e);
    }
    if (tag.environment !== undefined && tag.environment.name === '') report.error([...p, 'environment', 'name'], 'environment variable name is required');
  }
  const names = new Set<string>();
  (mesh.extensionProviders ?? []).forEach((p, i) => {
    if (p.name === '') report.error(at('extensionProviders', i, 'name'), 'an extension provider needs a name (Telemetry resources refer to it)');
    else if (names.has(p.name)) report.error(at('extensionProviders', i, 'name'), `extension provider "${p.name}" is defined twice`);
    names.add(p.name);
    const kinds = providerKinds(p);
    if (kinds.length !== 1) report.error(at('extensionProviders', i), `extension provider "${p.name}" must set exactly one provider kind (zipkin, opentelemetry, envoyFileAccessLog, prometheus, …); it sets ${kinds.length === 0 ? 'none' : kinds.join(', ')}`);
    for (const kind of ['zipkin', 'opentelemetry'] as const) {
      const port = p[kind]?.port;
      if (port !== undefined && (port < 1 || port > 65535)) report.error(at('extensionProviders', i, kind, 'port'), `port ${port} is not in range 1..65535`);
      if (p[kind]?.service === '') report.error(at('extensionProviders', i, kind, 'service'), 'service is required: the collector\'s host name ("otel-collector.observability.svc.cluster.local" or "127.0.0.1")');
    }
    (p.opentelemetry?.http?.headers ?? []).forEach((h, j) => {
      const hp = at('extensionProviders', i, 'opentelemetry', 'http', 'headers', j);
      const e = headerNameError(h.name);
      if (e !== null) report.error([...hp, 'name'], e);
      if ((h.value === undefined) === (h.envName === undefined)) report.error(hp, `header "${h.name}" must have exactly one of value, envName`);
      if (h.value !== undefined && badHeaderValue(h.value)) report.error([...hp, 'value'], `header "${h.name}": a value cannot carry a control character (such as a line break) or one above U+00FF`);
    });
    if (p.opentelemetry?.http?.timeout !== undefined && parseDuration(p.opentelemetry.http.timeout) === 0) {
      report.error(at('extensionProviders', i, 'opentelemetry', 'http', 'timeout'), 'timeout must be more than 0');
    }
    if (p.opentelemetry !== undefined && p.opentelemetry.http === undefined) {
      report.warning(at('extensionProviders', i, 'opentelemetry'), `provider "${p.name}": Weft exports OTLP over HTTP only (JSON, POST /v1/traces); add "http: {}" and point port at the collector's OTLP/HTTP port (4318)`);
    }
  });
  for (const kind of ['tracing', 'metrics', 'accessLogging'] as const) {
    (mesh.defaultProviders?.[kind] ?? []).forEach((n, i) => {
      if (!names.has(n) && !BUILTIN_PROVIDERS.includes(n)) report.error(at('defaultProviders', kind, i), `default provider "${n}" is not defined in meshConfig.extensionProviders`);
    });
  }
  if (mesh.accessLogFormat !== undefined && mesh.accessLogEncoding === 'JSON') {
    report.warning(at('accessLogFormat'), 'accessLogFormat with accessLogEncoding JSON is accepted but not yet enforced by Weft: the JSON line carries Weft\'s fixed set of Envoy fields');
  }
}
