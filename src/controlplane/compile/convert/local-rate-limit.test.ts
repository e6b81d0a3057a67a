// Tests of local rate limit conversion from Envoy's local_ratelimit config and from Weft's LocalRateLimit kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertEnvoyLocalRateLimit, convertWeftLocalRateLimit } from './local-rate-limit.ts';

test('the seed\'s filter: 100 tokens, 100 per 60 s; without fractions Weft enables and enforces it for every request', () => {
  assert.deepEqual(convertEnvoyLocalRateLimit({ stat_prefix: 'http_local_rate_limiter', token_bucket: { max_tokens: 100, tokens_per_fill: 100, fill_interval: '60s' } }), {
    maxTokens: 100, tokensPerFill: 100, fillIntervalMs: 60_000, enabledPercent: 100, enforcedPercent: 100, responseHeaders: [],
  });
});

test('Istio\'s task: fractions, response headers; tokens_per_fill defaults to 1 as in Envoy', () => {
  const out = convertEnvoyLocalRateLimit({
    stat_prefix: 'x',
    token_bucket: { max_tokens: 4, fill_interval: '0.5s' },
    filter_enabled: { runtime_key: 'local_rate_limit_enabled', default_value: { numerator: 100, denominator: 'HUNDRED' } },
    filter_enforced: { default_value: { numerator: 2500, denominator: 'TEN_THOUSAND' } },
    response_headers_to_add: [{ append: false, header: { key: 'X-Local-Rate-Limit', value: 'true' } }, { append_action: 'ADD_IF_ABSENT', header: { key: 'x-empty' } }],
  });
  assert.deepEqual(out, {
    maxTokens: 4, tokensPerFill: 1, fillIntervalMs: 500, enabledPercent: 100, enforcedPercent: 25,
    responseHeaders: [['x-local-rate-limit', 'true'], ['x-empty', '']],
  });
});

test('fractions: each denominator, an absent numerator is 0, and a numerator above its denominator is 100 %', () => {
  const enforced = (numerator: number | undefined, denominator?: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION') =>
    convertEnvoyLocalRateLimit({
      stat_prefix: 'x',
      token_bucket: { max_tokens: 1, fill_interval: '1s' },
      filter_enforced: { default_value: { ...(numerator === undefined ? {} : { numerator }), ...(denominator === undefined ? {} : { denominator }) } },
    }).enforcedPercent;
  assert.equal(enforced(50), 50);
  assert.equal(enforced(500_000, 'MILLION'), 50);
  assert.equal(enforced(1, 'TEN_THOUSAND'), 0.01);
  assert.equal(enforced(undefined), 0);
  assert.equal(enforced(250), 100);
});

test('Weft\'s kind: tokensPerFill defaults to maxTokens, enforcedPercent to 100; header names lower-cased and sorted', () => {
  assert.deepEqual(convertWeftLocalRateLimit({ maxTokens: 100, fillInterval: '1m' }), {
    maxTokens: 100, tokensPerFill: 100, fillIntervalMs: 60_000, enabledPercent: 100, enforcedPercent: 100, responseHeaders: [],
  });
  assert.deepEqual(convertWeftLocalRateLimit({ maxTokens: 10, tokensPerFill: 1, fillInterval: '100ms', enforcedPercent: 0, responseHeaders: { 'X-B': '2', 'x-a': '1' } }), {
    maxTokens: 10, tokensPerFill: 1, fillIntervalMs: 100, enabledPercent: 100, enforcedPercent: 0, responseHeaders: [['x-a', '1'], ['x-b', '2']],
  });
});
