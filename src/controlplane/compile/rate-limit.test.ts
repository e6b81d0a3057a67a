// Tests of local rate limit scope: which EnvoyFilter or LocalRateLimit reaches a proxy, and which one wins per direction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnvoyFilterSpec } from '../../api/kinds/envoy-filter/types.ts';
import type { LocalRateLimitSpec } from '../../api/kinds/local-rate-limit/types.ts';
import type { EnvoyFilter, LocalRateLimitPolicy } from '../../api/resource.ts';
import type { NodeInfo } from '../../model/proxy-config.ts';
import { compile } from './index.ts';
import { buildRateLimits } from './rate-limit.ts';
import { input, proxyOf, workload } from './test-fixtures.ts';

const ROOT = 'istio-system';
const web = proxyOf(workload('web-1', 'web', 'v1', { namespace: 'shop' }));

/** An EnvoyFilter whose one patch limits `context` to `tokens` per second. */
function envoyFilter(name: string, namespace: string, tokens: number, o: { labels?: Record<string, string>; context?: string } = {}): EnvoyFilter {
  const spec = {
    ...(o.labels === undefined ? {} : { workloadSelector: { labels: o.labels } }),
    configPatches: [{
      applyTo: 'HTTP_FILTER',
      match: { context: o.context ?? 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } },
      patch: {
        operation: 'INSERT_BEFORE',
        value: {
          name: 'envoy.filters.http.local_ratelimit',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
            stat_prefix: 'p',
            token_bucket: { max_tokens: tokens, tokens_per_fill: tokens, fill_interval: '1s' },
          },
        },
      },
    }],
  } as EnvoyFilterSpec;
  return { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name, namespace }, spec };
}

function rateLimit(name: string, namespace: string, spec: LocalRateLimitSpec): LocalRateLimitPolicy {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'LocalRateLimit', metadata: { name, namespace }, spec };
}

const limits = (envoyFilters: EnvoyFilter[], rateLimits: LocalRateLimitPolicy[] = [], proxy: NodeInfo = web) =>
  buildRateLimits({ envoyFilters, rateLimits, proxy, rootNamespace: ROOT });
const inboundTokens = (efs: EnvoyFilter[], rls: LocalRateLimitPolicy[] = [], proxy: NodeInfo = web) => limits(efs, rls, proxy).inbound?.maxTokens;

test('scope: own namespace and the root namespace reach the proxy; other namespaces do not', () => {
  assert.equal(inboundTokens([envoyFilter('a', 'shop', 1)]), 1);
  assert.equal(inboundTokens([envoyFilter('a', ROOT, 2)]), 2);
  assert.equal(inboundTokens([envoyFilter('a', 'default', 3)]), undefined);
  assert.equal(inboundTokens([envoyFilter('a', 'default', 3, { labels: { app: 'web' } })]), undefined, 'a selector does not widen a namespace');
});

test('selectors: every label must be on the proxy; an empty selector selects every proxy in scope', () => {
  assert.equal(inboundTokens([envoyFilter('a', 'shop', 1, { labels: { app: 'web', version: 'v1' } })]), 1);
  assert.equal(inboundTokens([envoyFilter('a', 'shop', 1, { labels: { app: 'web', version: 'v2' } })]), undefined);
  assert.equal(inboundTokens([envoyFilter('a', ROOT, 1, { labels: { app: 'other' } })]), undefined);
  assert.equal(inboundTokens([envoyFilter('a', 'shop', 1, { labels: {} })]), 1);
});

test('the most specific wins: selector in own namespace > selector in root > own namespace > mesh-wide', () => {
  const meshWide = envoyFilter('d', ROOT, 1);
  const nsWide = envoyFilter('c', 'shop', 2);
  const rootSelected = envoyFilter('b', ROOT, 3, { labels: { app: 'web' } });
  const ownSelected = envoyFilter('a', 'shop', 4, { labels: { app: 'web' } });
  assert.equal(inboundTokens([meshWide, nsWide, rootSelected, ownSelected]), 4);
  assert.equal(inboundTokens([meshWide, nsWide, rootSelected]), 3);
  assert.equal(inboundTokens([meshWide, nsWide]), 2);
  assert.equal(inboundTokens([meshWide]), 1);
});

test('ties go to the first by name, then EnvoyFilter before LocalRateLimit; the input order never matters', () => {
  const a = envoyFilter('alpha', 'shop', 1);
  const b = envoyFilter('beta', 'shop', 2);
  assert.equal(inboundTokens([b, a]), 1);
  assert.equal(inboundTokens([a, b]), 1);
  const weft = rateLimit('alpha', 'shop', { maxTokens: 9, fillInterval: '1s' });
  assert.equal(inboundTokens([a], [weft]), 1);
  assert.equal(inboundTokens([b], [weft]), 9);
});

test('directions are chosen apart: an inbound and an outbound limit can come from different resources', () => {
  const out = limits(
    [envoyFilter('in', 'shop', 5), envoyFilter('out', ROOT, 6, { context: 'SIDECAR_OUTBOUND' })],
    [rateLimit('weft-out', 'shop', { selector: { matchLabels: { app: 'web' } }, direction: 'outbound', maxTokens: 7, fillInterval: '1s' })],
  );
  assert.equal(out.inbound?.maxTokens, 5);
  assert.equal(out.outbound?.maxTokens, 7);
});

test('Weft\'s kind: inbound by default, its selector scoped like an EnvoyFilter\'s', () => {
  assert.equal(inboundTokens([], [rateLimit('r', 'shop', { maxTokens: 3, fillInterval: '1s' })]), 3);
  assert.equal(limits([], [rateLimit('r', 'shop', { maxTokens: 3, fillInterval: '1s', direction: 'outbound' })]).inbound, undefined);
  assert.equal(inboundTokens([], [rateLimit('r', 'shop', { maxTokens: 3, fillInterval: '1s', selector: { matchLabels: { app: 'api' } } })]), undefined);
});

test('compile() puts the limits on inbound and outboundRateLimit, and leaves both out when none applies', () => {
  const out = compile(input({
    proxy: web,
    envoyFilters: [envoyFilter('in', 'shop', 5)],
    rateLimits: [rateLimit('out', 'shop', { direction: 'outbound', maxTokens: 7, fillInterval: '2s' })],
  }));
  assert.deepEqual(out.inbound.rateLimit, { maxTokens: 5, tokensPerFill: 5, fillIntervalMs: 1000, enabledPercent: 100, enforcedPercent: 100, responseHeaders: [] });
  assert.deepEqual(out.outboundRateLimit, { maxTokens: 7, tokensPerFill: 7, fillIntervalMs: 2000, enabledPercent: 100, enforcedPercent: 100, responseHeaders: [] });
  const none = compile(input({ proxy: web }));
  assert.equal('rateLimit' in none.inbound, false);
  assert.equal('outboundRateLimit' in none, false);
});
