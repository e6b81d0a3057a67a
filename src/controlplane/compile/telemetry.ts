// Which tracing, access-log and metrics settings a proxy gets: the mesh config (IstioOperator meshConfig) overridden by Telemetry resources, root → namespace → workload.
import type { CustomTag as IstioCustomTag, ExtensionProvider, MeshConfigSpec } from '../../api/kinds/istio-operator/types.ts';
import type { ProviderRef, TelemetrySpec } from '../../api/kinds/telemetry/types.ts';
import type { IstioOperator, Telemetry } from '../../api/resource.ts';
import { parseDuration } from '../../lib/duration.ts';
import type { AccessLogConfig, CustomTag, ExportHeader, NodeInfo, TelemetryConfig, TraceExporter, TracingConfig } from '../../model/proxy-config.ts';
import { compareStrings, selects } from './labels.ts';

/** Istio's default sampling when tracing is on and nothing sets a percentage (values.pilot.traceSampling). */
export const DEFAULT_SAMPLING_PERCENT = 1;
/** Envoy's / Istio's default max_path_tag_length. */
export const DEFAULT_MAX_PATH_TAG_LENGTH = 256;

export interface TelemetryParams {
  readonly istioOperators: readonly IstioOperator[];
  readonly telemetries: readonly Telemetry[];
  readonly proxy: NodeInfo;
  readonly rootNamespace: string;
}

/**
 * The Telemetry resources that apply to this proxy, least specific first, as Istio's
 * telemetry.go applicableTelemetries: the root namespace's selector-less one (mesh-wide), the
 * proxy namespace's selector-less one, then one in the proxy's namespace whose selector matches
 * its labels. Of several at one level the first by name wins (Istio: the oldest).
 */
export function applicableTelemetries(telemetries: readonly Telemetry[], proxy: NodeInfo, rootNamespace: string): TelemetrySpec[] {
  const sorted = [...telemetries].sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));
  const hasSelector = (t: Telemetry): boolean => Object.keys(t.spec.selector?.matchLabels ?? {}).length > 0;
  const root = sorted.find((t) => t.metadata.namespace === rootNamespace && !hasSelector(t));
  const namespace = proxy.namespace === rootNamespace ? undefined : sorted.find((t) => t.metadata.namespace === proxy.namespace && !hasSelector(t));
  const workload = sorted.find((t) => t.metadata.namespace === proxy.namespace && hasSelector(t) && selects(t.spec.selector?.matchLabels, proxy.labels));
  return [root, namespace, workload].filter((t) => t !== undefined).map((t) => t.spec);
}

/**
 * The proxy's TelemetryConfig, or undefined when nothing configures telemetry (Weft's defaults
 * then: no spans, no access log, metrics on). Of several IstioOperators (apply refuses a second
 * one) the first by namespace/name is read.
 *
 * Tracing is on when a provider named by the Telemetry resources (else by
 * meshConfig.defaultProviders.tracing) is a zipkin or opentelemetry extension provider, or, when
 * no provider is named anywhere, when meshConfig.enableTracing is true (then spans go to
 * defaultConfig.tracing.zipkin.address if set, and always to the control plane). A more specific
 * Telemetry overrides providers, randomSamplingPercentage and disableSpanReporting and adds to
 * customTags, as Istio merges them.
 */
export function buildTelemetry({ istioOperators, telemetries, proxy, rootNamespace }: TelemetryParams): TelemetryConfig | undefined {
  const operator = [...istioOperators].sort((a, b) => compareStrings(a.metadata.namespace, b.metadata.namespace) || compareStrings(a.metadata.name, b.metadata.name))[0];
  const mesh: MeshConfigSpec = operator?.spec.meshConfig ?? {};
  const specs = applicableTelemetries(telemetries, proxy, rootNamespace);
  const tracing = buildTracing(mesh, specs);
  const accessLog = buildAccessLog(mesh, specs);
  const metrics = buildMetrics(specs);
  if (tracing === undefined && accessLog === undefined && metrics === undefined) return undefined;
  return {
    ...(tracing === undefined ? {} : { tracing }),
    ...(accessLog === undefined ? {} : { accessLog }),
    ...(metrics === undefined ? {} : { metrics }),
  };
}

function providerNamed(mesh: MeshConfigSpec, name: string): ExtensionProvider | undefined {
  return (mesh.extensionProviders ?? []).find((p) => p.name === name);
}

/** Where a zipkin / opentelemetry provider's spans are POSTed; undefined for other kinds. */
export function exporterOf(p: ExtensionProvider): TraceExporter | undefined {
  if (p.zipkin !== undefined) return { protocol: 'zipkin', url: `http://${p.zipkin.service}:${p.zipkin.port}${p.zipkin.path ?? '/api/v2/spans'}` };
  if (p.opentelemetry !== undefined) {
    const http = p.opentelemetry.http;
    const timeoutMs = http?.timeout === undefined ? null : parseDuration(http.timeout);
    const headers = (http?.headers ?? []).map((h): ExportHeader => (h.envName !== undefined ? { name: h.name, envName: h.envName } : { name: h.name, value: h.value ?? '' }));
    return {
      protocol: 'otlp-http',
      url: `http://${p.opentelemetry.service}:${p.opentelemetry.port}${http?.path ?? '/v1/traces'}`,
      ...(headers.length === 0 ? {} : { headers }),
      ...(timeoutMs === null || timeoutMs <= 0 ? {} : { timeoutMs }),
    };
  }
  return undefined;
}

const names = (refs: readonly ProviderRef[]): string[] => refs.map((r) => r.name);

function buildTracing(mesh: MeshConfigSpec, specs: readonly TelemetrySpec[]): TracingConfig | undefined {
  let providers: string[] | undefined;
  let sampling: number | undefined;
  let disabled = false;
  const tags = new Map<string, CustomTag>();
  const addTags = (custom: Readonly<Record<string, IstioCustomTag>> | undefined): void => {
    for (const [tag, t] of Object.entries(custom ?? {})) {
      if (t.literal !== undefined) tags.set(tag, { tag, kind: 'literal', value: t.literal.value });
      else if (t.environment !== undefined) {
        tags.set(tag, { tag, kind: 'environment', name: t.environment.name, ...(t.environment.defaultValue === undefined ? {} : { defaultValue: t.environment.defaultValue }) });
      } else if (t.header !== undefined) {
        tags.set(tag, { tag, kind: 'header', header: t.header.name.toLowerCase(), ...(t.header.defaultValue === undefined ? {} : { defaultValue: t.header.defaultValue }) });
      } else tags.delete(tag);
    }
  };
  const legacy = mesh.defaultConfig?.tracing;
  addTags(legacy?.customTags);
  for (const spec of specs) {
    for (const t of spec.tracing ?? []) {
      if (t.providers !== undefined) providers = names(t.providers);
      if (t.randomSamplingPercentage !== undefined) sampling = t.randomSamplingPercentage;
      if (t.disableSpanReporting !== undefined) disabled = t.disableSpanReporting;
      addTags(t.customTags);
    }
  }
  providers ??= mesh.defaultProviders?.tracing === undefined ? undefined : [...mesh.defaultProviders.tracing];
  const exporters: TraceExporter[] = [];
  let maxTagLength: number | undefined;
  if (providers !== undefined) {
    for (const name of providers) {
      const p = providerNamed(mesh, name);
      const e = p === undefined ? undefined : exporterOf(p);
      if (p === undefined || e === undefined) continue;
      exporters.push(e);
      maxTagLength ??= p.zipkin?.maxTagLength ?? p.opentelemetry?.maxTagLength;
    }
    if (exporters.length === 0) return undefined;
  } else {
    if (mesh.enableTracing !== true) return undefined;
    if (legacy?.zipkin?.address !== undefined) exporters.push({ protocol: 'zipkin', url: `http://${legacy.zipkin.address}/api/v2/spans` });
  }
  if (disabled) return undefined;
  return {
    samplingPercent: sampling ?? legacy?.sampling ?? DEFAULT_SAMPLING_PERCENT,
    exporters: dedupe(exporters),
    customTags: [...tags.values()].sort((a, b) => compareStrings(a.tag, b.tag)),
    maxPathTagLength: legacy?.maxPathTagLength ?? maxTagLength ?? DEFAULT_MAX_PATH_TAG_LENGTH,
  };
}

function dedupe(exporters: readonly TraceExporter[]): TraceExporter[] {
  const seen = new Set<string>();
  return exporters.filter((e) => {
    const key = `${e.protocol} ${e.url}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Off unless something turns it on, as in Istio (whose default profile leaves accessLogFile empty)
 * and Linkerd, both for its cost: measured in bench/RESULTS.md, the JSON line is most of what
 * telemetry costs a request. meshConfig.accessLogFile "" (or absent) leaves the log off, any other
 * value turns it on (Weft writes where the sidecar's --access-log says); accessLogEncoding TEXT
 * picks Envoy's text format with accessLogFormat. Telemetry accessLogging overrides: an entry turns
 * it on unless `disabled`, and providers ("envoy", or an envoyFileAccessLog provider whose
 * logFormat.text makes it text) pick the format. Weft's default encoding is JSON.
 */
function buildAccessLog(mesh: MeshConfigSpec, specs: readonly TelemetrySpec[]): AccessLogConfig | undefined {
  const meshFormat = (): Pick<AccessLogConfig, 'format' | 'textFormat'> => mesh.accessLogEncoding === 'TEXT'
    ? { format: 'text', ...(mesh.accessLogFormat === undefined ? {} : { textFormat: mesh.accessLogFormat }) }
    : { format: 'json' };
  let configured = mesh.accessLogFile !== undefined || mesh.accessLogEncoding !== undefined || mesh.accessLogFormat !== undefined || mesh.defaultProviders?.accessLogging !== undefined;
  let enabled = mesh.accessLogFile !== undefined && mesh.accessLogFile !== '';
  let providers: string[] | undefined;
  for (const spec of specs) {
    for (const a of spec.accessLogging ?? []) {
      configured = true;
      if (a.providers !== undefined) providers = names(a.providers);
      if (a.disabled !== undefined) enabled = !a.disabled;
      else enabled = true;
    }
  }
  if (!configured) return undefined;
  providers ??= mesh.defaultProviders?.accessLogging === undefined ? undefined : [...mesh.defaultProviders.accessLogging];
  if (providers === undefined) return { enabled, ...meshFormat() };
  for (const name of providers) {
    if (name === 'envoy') return { enabled, ...meshFormat() };
    const file = providerNamed(mesh, name)?.envoyFileAccessLog;
    if (file === undefined) continue;
    const text = file.logFormat?.text;
    return { enabled, ...(text !== undefined ? { format: 'text', textFormat: text } : { format: 'json' }) };
  }
  return { enabled: false, format: 'json' };
}

/** Overrides with `disabled` for every metric (no match, or ALL_METRICS) switch metrics off or on; the most specific wins. */
function buildMetrics(specs: readonly TelemetrySpec[]): { enabled: boolean } | undefined {
  let enabled: boolean | undefined;
  for (const spec of specs) {
    for (const m of spec.metrics ?? []) {
      for (const o of m.overrides ?? []) {
        const all = o.match === undefined || (o.match.customMetric === undefined && (o.match.metric === undefined || o.match.metric === 'ALL_METRICS'));
        if (all && o.disabled !== undefined) enabled = !o.disabled;
      }
    }
  }
  return enabled === undefined ? undefined : { enabled };
}
