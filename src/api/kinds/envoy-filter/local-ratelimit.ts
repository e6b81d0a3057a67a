// Envoy's local rate limit filter config as an EnvoyFilter patch carries it: the supported fields, their checks, and the unwrapping of typed_config.
import { z } from 'zod';
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import { headerNameError, headerValueError } from '../../rules/headers.ts';
import { uint32 } from '../../schema/primitives.ts';
import type { AssertAssignable } from '../../schema/type-check.ts';
import { describeZodIssues } from '../../schema/zod-issues.ts';

/** The HTTP filter's name, as `patch.value.name` must give it. */
export const LOCAL_RATELIMIT_FILTER = 'envoy.filters.http.local_ratelimit';
/** The filter config's type URL, in `typed_config["@type"]` or in a TypedStruct's `type_url`. */
export const LOCAL_RATELIMIT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
/** The untyped wrappers Istio's own task uses (`udpa`) and its successor (`xds`): `{ type_url, value }`. */
export const TYPED_STRUCT_URLS: readonly string[] = ['type.googleapis.com/udpa.type.v1.TypedStruct', 'type.googleapis.com/xds.type.v3.TypedStruct'];

/** Envoy's FractionalPercent denominators. */
export const DENOMINATORS = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;
export type Denominator = keyof typeof DENOMINATORS;

export const APPEND_ACTIONS = ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'] as const;

/** The subset of envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit that Weft acts on, in Envoy's JSON names. */
export interface EnvoyLocalRateLimit {
  readonly stat_prefix: string;
  readonly token_bucket?: {
    readonly max_tokens: number;
    readonly tokens_per_fill?: number;
    readonly fill_interval: string;
  };
  readonly filter_enabled?: RuntimeFractionalPercent;
  readonly filter_enforced?: RuntimeFractionalPercent;
  readonly response_headers_to_add?: readonly HeaderValueOption[];
}

export interface RuntimeFractionalPercent {
  readonly default_value: { readonly numerator?: number; readonly denominator?: Denominator };
  readonly runtime_key?: string;
}

export interface HeaderValueOption {
  readonly header: { readonly key: string; readonly value?: string };
  readonly append?: boolean;
  readonly append_action?: (typeof APPEND_ACTIONS)[number];
  readonly keep_empty_value?: boolean;
}

const opt = <S extends z.ZodType>(s: S): z.ZodExactOptional<S> => s.exactOptional();
const runtimeFractionalPercent = z.strictObject({
  default_value: z.strictObject({ numerator: opt(uint32()), denominator: opt(z.enum(['HUNDRED', 'TEN_THOUSAND', 'MILLION'])) }),
  runtime_key: opt(z.string()),
});
const headerValueOption = z.strictObject({
  header: z.strictObject({ key: z.string(), value: opt(z.string()) }),
  append: opt(z.boolean()),
  append_action: opt(z.enum(APPEND_ACTIONS)),
  keep_empty_value: opt(z.boolean()),
});
export const localRateLimitSchema = z.strictObject({
  stat_prefix: z.string(),
  token_bucket: opt(z.strictObject({ max_tokens: uint32(), tokens_per_fill: opt(uint32()), fill_interval: z.string() })),
  filter_enabled: opt(runtimeFractionalPercent),
  filter_enforced: opt(runtimeFractionalPercent),
  response_headers_to_add: opt(z.array(headerValueOption)),
});
// The schema's output is usable as the contract type.
export type _ConfigIsAssignable = AssertAssignable<z.infer<typeof localRateLimitSchema>, EnvoyLocalRateLimit>;

/** Fields of Envoy's LocalRateLimit that Weft does not implement: named as such, not as typos. */
const UNSUPPORTED_FIELDS = new Set([
  'status', 'request_headers_to_add_when_not_enforced', 'descriptors', 'stage', 'local_rate_limit_per_downstream_connection',
  'local_cluster_rate_limit', 'enable_x_ratelimit_headers', 'vh_rate_limits', 'always_consume_default_token_bucket',
  'rate_limited_as_resource_exhausted', 'rate_limits',
]);
const SUPPORTED_TEXT = 'stat_prefix, token_bucket (max_tokens, tokens_per_fill, fill_interval), filter_enabled, filter_enforced, response_headers_to_add';

/** Envoy's minimum refill period: its local rate limiter refuses faster refills. */
export const MIN_FILL_INTERVAL_MS = 50;
const MAX_RESPONSE_HEADERS = 10;

/** google.protobuf.Duration in JSON: decimal seconds with an "s" ("60s", "0.5s"); milliseconds, or null. */
export function parseProtoDuration(text: string): number | null {
  const m = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (m === null) return null;
  return Number(m[1]) * 1000 + Number(`0.${m[2] ?? '0'}`) * 1000;
}

/** The share a FractionalPercent names, 0–100 (Envoy caps a numerator above its denominator at 100 %). */
export function fractionToPercent(f: RuntimeFractionalPercent['default_value']): number {
  const denominator = DENOMINATORS[f.denominator ?? 'HUNDRED'];
  return Math.min(100, ((f.numerator ?? 0) * 100) / denominator);
}

/** Where the LocalRateLimit fields sit inside `patch.value`: under typed_config, or under its TypedStruct's value. */
export interface Located {
  readonly config: Readonly<Record<string, unknown>>;
  /** Relative to `patch.value`. */
  readonly path: FieldPath;
}

/** Finds the filter config inside `patch.value` without checking it (for values that passed validation). */
export function locateConfig(value: Readonly<Record<string, unknown>>): Located | undefined {
  const typed = value['typed_config'];
  if (!isRecord(typed)) return undefined;
  if (TYPED_STRUCT_URLS.includes(String(typed['@type']))) {
    const inner = typed['value'];
    return { config: isRecord(inner) ? inner : {}, path: ['typed_config', 'value'] };
  }
  const { '@type': _type, ...config } = typed;
  return { config, path: ['typed_config'] };
}

/** The validated config of a patch value that passed readLocalRateLimit (the compiler's view). */
export function localRateLimitOf(value: Readonly<Record<string, unknown>>): EnvoyLocalRateLimit | undefined {
  const located = locateConfig(value);
  if (located === undefined) return undefined;
  const parsed = localRateLimitSchema.safeParse(located.config);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Checks `patch.value` of an HTTP_FILTER patch: `{ name: envoy.filters.http.local_ratelimit,
 * typed_config }`, where typed_config is the LocalRateLimit itself (`"@type"` its type URL) or a
 * TypedStruct wrapping it (`"@type"` udpa/xds TypedStruct, `type_url`, `value`). Every finding is
 * reported at its exact path under `path` (which names `patch.value`).
 */
export function validateLocalRateLimitValue(value: Readonly<Record<string, unknown>>, path: FieldPath, report: Reporter): void {
  for (const key of Object.keys(value)) {
    if (key !== 'name' && key !== 'typed_config') report.error([...path, key], `"${key}" is not supported in the filter Weft inserts: give only name and typed_config`);
  }
  if (value['name'] !== LOCAL_RATELIMIT_FILTER) {
    const got = value['name'] === undefined ? 'no name' : JSON.stringify(value['name']);
    report.error([...path, 'name'], `Weft supports only the ${LOCAL_RATELIMIT_FILTER} HTTP filter in an EnvoyFilter (got ${got})`);
    return;
  }
  const typed = value['typed_config'];
  if (!isRecord(typed)) {
    report.error([...path, 'typed_config'], `typed_config is required: a mapping with "@type": ${LOCAL_RATELIMIT_TYPE_URL} and the filter's fields`);
    return;
  }
  const type = typed['@type'];
  if (TYPED_STRUCT_URLS.includes(String(type))) {
    for (const key of Object.keys(typed)) {
      if (key !== '@type' && key !== 'type_url' && key !== 'value') report.error([...path, 'typed_config', key], `unknown field "${key}" of a TypedStruct; allowed here: @type, type_url, value`);
    }
    if (typed['type_url'] !== LOCAL_RATELIMIT_TYPE_URL) {
      report.error([...path, 'typed_config', 'type_url'], `type_url must be ${LOCAL_RATELIMIT_TYPE_URL} (got ${JSON.stringify(typed['type_url'] ?? null)})`);
      return;
    }
    if (!isRecord(typed['value'])) {
      report.error([...path, 'typed_config', 'value'], 'value is required: a mapping with the LocalRateLimit fields');
      return;
    }
  } else if (type !== LOCAL_RATELIMIT_TYPE_URL) {
    report.error([...path, 'typed_config', '@type'], `"@type" must be ${LOCAL_RATELIMIT_TYPE_URL}, or a TypedStruct (${TYPED_STRUCT_URLS.join(', ')}) with that type_url (got ${JSON.stringify(type ?? null)})`);
    return;
  }
  const located = locateConfig(value)!;
  validateConfig(located.config, [...path, ...located.path], report);
}

function validateConfig(config: Readonly<Record<string, unknown>>, at: FieldPath, report: Reporter): void {
  const parsed = localRateLimitSchema.safeParse(config, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
        for (const key of issue.keys) {
          if (UNSUPPORTED_FIELDS.has(key)) report.error([...at, key], `"${key}" is a LocalRateLimit field Weft does not support; supported: ${SUPPORTED_TEXT}`);
          else for (const f of describeZodIssues([{ ...issue, keys: [key] }], localRateLimitSchema)) report.error([...at, ...f.path], f.message);
        }
        continue;
      }
      for (const f of describeZodIssues([issue], localRateLimitSchema)) report.error([...at, ...f.path], f.message);
    }
    return;
  }
  const c = parsed.data;
  // Envoy's defaults for the two fractions are 0 % "for safety"; Weft's are 100 % (convert/local-rate-limit.ts says why).
  const unset = [...(c.filter_enabled === undefined ? ['filter_enabled'] : []), ...(c.filter_enforced === undefined ? ['filter_enforced'] : [])];
  if (unset.length > 0) {
    const both = unset.length === 2;
    report.warning(at, `${unset.join(' and ')} ${both ? 'are' : 'is'} not set: Envoy (and so Istio) takes an absent fraction as 0%, so under Istio this limit would not be enforced; Weft takes it as 100%. Set ${both ? 'both' : 'it'} to numerator 100, denominator HUNDRED to get the same behaviour under Istio`);
  }
  if (c.stat_prefix === '') report.error([...at, 'stat_prefix'], 'stat_prefix must not be empty (Envoy requires it)');
  const bucket = c.token_bucket;
  if (bucket === undefined) {
    report.error(at, 'token_bucket is required: Weft applies the limit to the whole listener (per-route limits in HTTP_ROUTE patches are not supported)');
  } else {
    const b: FieldPath = [...at, 'token_bucket'];
    if (bucket.max_tokens === 0) report.error([...b, 'max_tokens'], 'max_tokens must be greater than 0');
    if (bucket.tokens_per_fill === 0) report.error([...b, 'tokens_per_fill'], 'tokens_per_fill must be greater than 0 (leave it out for Envoy\'s default, 1)');
    const ms = parseProtoDuration(bucket.fill_interval);
    if (ms === null) report.error([...b, 'fill_interval'], `invalid duration "${bucket.fill_interval}": Envoy's JSON durations are seconds with an "s", as "60s" or "0.5s"`);
    else if (ms < MIN_FILL_INTERVAL_MS) report.error([...b, 'fill_interval'], `fill_interval must be at least ${MIN_FILL_INTERVAL_MS}ms, as in Envoy (got ${bucket.fill_interval})`);
  }
  const headers = c.response_headers_to_add ?? [];
  if (headers.length > MAX_RESPONSE_HEADERS) report.error([...at, 'response_headers_to_add'], `at most ${MAX_RESPONSE_HEADERS} headers, as in Envoy (got ${headers.length})`);
  headers.forEach((h, i) => {
    const hp: FieldPath = [...at, 'response_headers_to_add', i];
    const nameErr = h.header.key.startsWith(':') ? `header "${h.header.key}": pseudo-headers cannot be added` : headerNameError(h.header.key);
    if (nameErr !== null) report.error([...hp, 'header', 'key'], nameErr);
    const valueErr = headerValueError(h.header.value ?? '');
    if (valueErr !== null) report.error([...hp, 'header', 'value'], valueErr);
    if (h.append !== undefined && h.append_action !== undefined) report.error([...hp, 'append_action'], 'append and append_action must not be set together (Envoy rejects it)');
    if (h.append_action === 'OVERWRITE_IF_EXISTS') {
      report.error([...hp, 'append_action'], 'OVERWRITE_IF_EXISTS only replaces a header the 429 answer already has, so it would add nothing: use OVERWRITE_IF_EXISTS_OR_ADD');
    }
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
