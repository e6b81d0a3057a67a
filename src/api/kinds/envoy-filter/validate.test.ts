// Tests of the EnvoyFilter kind: the seed's and Istio's local rate limit shapes load; every other patch is rejected where it is wrong, saying what is supported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBatch } from '../../analyze.ts';
import { apply, at, show, testdata } from '../../test-support.ts';

const HCM = 'envoy.filters.network.http_connection_manager';
const LRL_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

function envoyFilter(spec: unknown, name = 'limit', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name, ...extra }, spec };
}

/** A valid inbound local rate limit patch, with `over` laid over its typed_config. */
function patch(over: Record<string, unknown> = {}, o: { context?: string; operation?: string; applyTo?: string } = {}) {
  return {
    applyTo: o.applyTo ?? 'HTTP_FILTER',
    match: { context: o.context ?? 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: HCM } } } },
    patch: {
      operation: o.operation ?? 'INSERT_BEFORE',
      value: {
        name: 'envoy.filters.http.local_ratelimit',
        typed_config: {
          '@type': LRL_TYPE,
          stat_prefix: 'http_local_rate_limiter',
          token_bucket: { max_tokens: 10, tokens_per_fill: 10, fill_interval: '1s' },
          filter_enabled: { default_value: { numerator: 100 } },
          filter_enforced: { default_value: { numerator: 100 } },
          ...over,
        },
      },
    },
  };
}

function check(spec: unknown) {
  const r = apply([envoyFilter(spec)]);
  return { ok: r.ok, errors: r.errors, warnings: r.warnings };
}

function expectError(spec: unknown, path: string, message: RegExp): void {
  const { errors, ok } = check(spec);
  assert.equal(ok, false);
  assert.ok(at(errors, path).some((e) => message.test(e.message)), `expected an error at ${path} matching ${message}, got:\n${show(errors)}`);
}

const TC = 'spec.configPatches[0].patch.value.typed_config';

test('a valid local rate limit patch loads with no error and no warning; inbound and outbound in one EnvoyFilter too', () => {
  const r = check({ workloadSelector: { labels: { app: 'web' } }, configPatches: [patch(), patch({}, { context: 'SIDECAR_OUTBOUND', operation: 'INSERT_FIRST' })] });
  assert.deepEqual(r.errors, [], show(r.errors));
  assert.deepEqual(r.warnings, [], show(r.warnings));
});

test('the seed\'s EnvoyFilter and Istio\'s task load with line numbers pointing into the files', () => {
  const seed = validateBatch([testdata('envoy-filter', 'seed-rate-limit.yaml')], [], 'apply');
  assert.deepEqual(seed.errors, [], show(seed.errors));
  assert.equal(seed.warnings[0]?.line, 18);
  const task = validateBatch([testdata('envoy-filter', 'istio-task-local-rate-limit.yaml')], [], 'apply');
  assert.deepEqual(task.errors, [], show(task.errors));
  assert.equal(task.resources[0]?.metadata.namespace, 'istio-system');
});

test('other patches are rejected at apply, at their exact path, naming the one supported patch; nothing is applied', () => {
  const r = validateBatch([testdata('envoy-filter', 'bad-unsupported-patches.yaml')], [], 'apply');
  assert.equal(r.ok, false);
  assert.deepEqual(r.resources, []);
  const found = (path: string, re: RegExp, line: number) => {
    const e = at(r.errors, path);
    assert.ok(e.some((x) => re.test(x.message) && x.line === line), `${path}:\n${show(r.errors)}`);
  };
  found('spec.configPatches[0].match.listener.portNumber', /portNumber is not supported by Weft \(a local rate limit applies to every port/, 16);
  found('spec.configPatches[0].patch.operation', /patch\.operation ADD is not supported\. Weft supports one kind of EnvoyFilter patch: applyTo HTTP_FILTER .* envoy\.filters\.http\.local_ratelimit/, 18);
  found('spec.configPatches[0].patch.filterClass', /filterClass is not supported by Weft/, 19);
  found('spec.configPatches[0].patch.value.name', /only the envoy\.filters\.http\.local_ratelimit HTTP filter .* \(got "envoy\.filters\.http\.lua"\)/, 21);
  found('spec.configPatches[1].applyTo', /applyTo CLUSTER is not supported\. Weft supports one kind of EnvoyFilter patch/, 26);
});

test('each supported-shape condition, when broken, is reported where it is', () => {
  expectError({ configPatches: [patch({}, { applyTo: 'HTTP_ROUTE' })] }, 'spec.configPatches[0].applyTo', /HTTP_ROUTE is not supported/);
  expectError({ configPatches: [{ ...patch(), applyTo: undefined }] }, 'spec.configPatches[0].applyTo', /applyTo is required/);
  expectError({ configPatches: [patch({}, { context: 'GATEWAY' })] }, 'spec.configPatches[0].match.context', /GATEWAY is not supported: a sidecar limits requests it receives \(SIDECAR_INBOUND\) or sends \(SIDECAR_OUTBOUND\)/);
  expectError({ configPatches: [patch({}, { context: 'ANY' })] }, 'spec.configPatches[0].match.context', /ANY is not supported/);
  expectError({ configPatches: [{ ...patch(), match: undefined }] }, 'spec.configPatches[0].match', /match\.context is required/);
  expectError({ configPatches: [patch({}, { operation: 'MERGE' })] }, 'spec.configPatches[0].patch.operation', /MERGE is not supported/);
  const tcp = patch();
  tcp.match.listener.filterChain.filter.name = 'envoy.filters.network.tcp_proxy';
  expectError({ configPatches: [tcp] }, 'spec.configPatches[0].match.listener.filterChain.filter.name', /HTTP filters live in envoy\.filters\.network\.http_connection_manager/);
  const sub = patch() as ReturnType<typeof patch> & { match: { listener: { filterChain: { filter: { subFilter?: { name: string } } } } } };
  sub.match.listener.filterChain.filter.subFilter = { name: 'envoy.filters.http.cors' };
  expectError({ configPatches: [sub] }, 'spec.configPatches[0].match.listener.filterChain.filter.subFilter.name', /one fixed place, before routing/);
  sub.match.listener.filterChain.filter.subFilter = { name: 'envoy.filters.http.router' };
  assert.deepEqual(check({ configPatches: [sub] }).errors, []);
  expectError({ configPatches: [patch(), patch()] }, 'spec.configPatches[1].match.context', /a second local rate limit for SIDECAR_INBOUND \(the first is configPatches\[0\]\)/);
  expectError({ configPatches: [{ ...patch(), match: { context: 'SIDECAR_INBOUND', routeConfiguration: { vhost: { name: 'inbound|http|9080' } } } }] },
    'spec.configPatches[0].match.routeConfiguration', /routeConfiguration is not supported by Weft/);
  expectError({ targetRefs: [{ kind: 'Gateway', name: 'gw' }], configPatches: [patch()] }, 'spec.targetRefs', /not supported by Weft \(Weft has no gateways or waypoints/);
});

test('the filter config: supported fields only, Envoy\'s types and ranges, a token bucket, a refill of at least 50 ms', () => {
  expectError({ configPatches: [patch({ descriptors: [] })] }, `${TC}.descriptors`, /"descriptors" is a LocalRateLimit field Weft does not support; supported: stat_prefix, token_bucket/);
  expectError({ configPatches: [patch({ maxTokens: 5 })] }, `${TC}.maxTokens`, /unknown field "maxTokens"/);
  expectError({ configPatches: [patch({ token_bucket: { max_tokens: '100', fill_interval: '1s' } })] }, `${TC}.token_bucket.max_tokens`, /expected an integer, got the string "100"/);
  expectError({ configPatches: [patch({ token_bucket: { max_tokens: 0, fill_interval: '1s' } })] }, `${TC}.token_bucket.max_tokens`, /greater than 0/);
  expectError({ configPatches: [patch({ token_bucket: { max_tokens: 5, tokens_per_fill: 0, fill_interval: '1s' } })] }, `${TC}.token_bucket.tokens_per_fill`, /greater than 0/);
  expectError({ configPatches: [patch({ token_bucket: { max_tokens: 5, fill_interval: 60 } })] }, `${TC}.token_bucket.fill_interval`, /expected a string, got 60/);
  expectError({ configPatches: [patch({ token_bucket: { max_tokens: 5, fill_interval: '1m' } })] }, `${TC}.token_bucket.fill_interval`, /Envoy's JSON durations are seconds with an "s", as "60s"/);
  expectError({ configPatches: [patch({ token_bucket: { max_tokens: 5, fill_interval: '0.01s' } })] }, `${TC}.token_bucket.fill_interval`, /at least 50ms/);
  expectError({ configPatches: [patch({ token_bucket: { max_tokens: 5 } })] }, `${TC}.token_bucket.fill_interval`, /required field is missing/);
  expectError({ configPatches: [patch({ token_bucket: undefined })] }, TC, /token_bucket is required: Weft applies the limit to the whole listener/);
  expectError({ configPatches: [patch({ stat_prefix: '' })] }, `${TC}.stat_prefix`, /must not be empty/);
  expectError({ configPatches: [patch({ filter_enabled: { default_value: { numerator: 5, denominator: 'THOUSAND' } } })] }, `${TC}.filter_enabled.default_value.denominator`, /must be one of HUNDRED, TEN_THOUSAND, MILLION/);
  expectError({ configPatches: [patch({ filter_enforced: { runtime_key: 'k' } })] }, `${TC}.filter_enforced.default_value`, /required field is missing/);
  const headers = (h: unknown) => patch({ response_headers_to_add: [h] });
  expectError({ configPatches: [headers({ header: { key: 'bad key', value: 'x' } })] }, `${TC}.response_headers_to_add[0].header.key`, /not a valid header name/);
  expectError({ configPatches: [headers({ append: true, append_action: 'ADD_IF_ABSENT', header: { key: 'x-a', value: '1' } })] }, `${TC}.response_headers_to_add[0].append_action`, /must not be set together/);
  expectError({ configPatches: [headers({ append_action: 'OVERWRITE_IF_EXISTS', header: { key: 'x-a', value: '1' } })] }, `${TC}.response_headers_to_add[0].append_action`, /use OVERWRITE_IF_EXISTS_OR_ADD/);
  expectError({ configPatches: [patch({ response_headers_to_add: Array.from({ length: 11 }, (_, i) => ({ header: { key: `x-${i}`, value: '1' } })) })] },
    `${TC}.response_headers_to_add`, /at most 10 headers/);
});

test('typed_config: the LocalRateLimit type URL inline, or a udpa/xds TypedStruct around it; anything else is rejected', () => {
  const withTyped = (typed: unknown) => {
    const p = patch();
    (p.patch.value as Record<string, unknown>)['typed_config'] = typed;
    return { configPatches: [p] };
  };
  const body = { stat_prefix: 's', token_bucket: { max_tokens: 1, fill_interval: '1s' }, filter_enabled: { default_value: { numerator: 100 } }, filter_enforced: { default_value: { numerator: 100 } } };
  for (const wrapper of ['type.googleapis.com/udpa.type.v1.TypedStruct', 'type.googleapis.com/xds.type.v3.TypedStruct']) {
    assert.deepEqual(check(withTyped({ '@type': wrapper, type_url: LRL_TYPE, value: body })).errors, [], wrapper);
  }
  expectError(withTyped({ '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', value: body }),
    `${TC}.type_url`, /type_url must be type\.googleapis\.com\/envoy\.extensions\.filters\.http\.local_ratelimit\.v3\.LocalRateLimit/);
  expectError(withTyped({ '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: LRL_TYPE, value: { ...body, stage: 1 } }), `${TC}.value.stage`, /does not support/);
  expectError(withTyped({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit', domain: 'x' }), `${TC}.@type`, /"@type" must be/);
  expectError(withTyped(undefined), TC, /typed_config is required/);
  const extra = patch();
  (extra.patch.value as Record<string, unknown>)['disabled'] = true;
  expectError({ configPatches: [extra] }, 'spec.configPatches[0].patch.value.disabled', /give only name and typed_config/);
});

test('wrong types and values in the envelope are schema errors with their path', () => {
  expectError({ configPatches: [{ ...patch(), applyTo: 5 }] }, 'spec.configPatches[0].applyTo', /expected a string, got 5|must be one of/);
  expectError({ configPatches: [patch({}, { context: 'SIDECAR_INBOUNDS' })] }, 'spec.configPatches[0].match.context', /must be one of ANY, SIDECAR_INBOUND, SIDECAR_OUTBOUND/);
  expectError({ configPatches: [{ ...patch(), patch: { ...patch().patch, value: 'text' } }] }, 'spec.configPatches[0].patch.value', /expected a mapping/);
  expectError({ workloadSelector: { matchLabels: { app: 'web' } }, configPatches: [patch()] }, 'spec.workloadSelector.matchLabels', /unknown field "matchLabels".*allowed here: labels/);
  expectError({ workloadSelector: { labels: { 'bad key!': 'x' } }, configPatches: [patch()] }, 'spec.workloadSelector.labels["bad key!"]', /invalid label key/);
  const wrongVersion = apply([{ ...envoyFilter({ configPatches: [patch()] }), apiVersion: 'networking.istio.io/v1' }]);
  assert.match(at(wrongVersion.errors, 'apiVersion')[0]?.message ?? '', /EnvoyFilter does not come in apiVersion "networking\.istio\.io\/v1"; supported: networking\.istio\.io\/v1alpha3/);
});

test('priority is accepted with a warning; an EnvoyFilter without patches warns that it changes nothing', () => {
  const r = check({ priority: 10, configPatches: [patch()] });
  assert.deepEqual(r.errors, []);
  assert.match(at(r.warnings, 'spec.priority')[0]?.message ?? '', /accepted but not yet enforced/);
  assert.match(at(check({}).warnings, 'spec')[0]?.message ?? '', /changes nothing/);
});
