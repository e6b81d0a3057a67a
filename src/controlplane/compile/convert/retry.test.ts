// Tests of http[].retries conversion: Istio's default policy, attempts 0, retryOn parsing, per-try timeout, backoff, previous hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertRetry, DEFAULT_RETRY_POLICY, parseRetryOn } from './retry.ts';

test('no retries block: Istio\'s default policy, exactly as retry.DefaultPolicy() writes it', () => {
  assert.deepEqual(convertRetry(undefined), {
    maxRetries: 2,
    retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
    retriableStatusCodes: [503],
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    avoidPreviousHosts: true,
  });
  assert.equal(convertRetry(undefined), DEFAULT_RETRY_POLICY);
  assert.equal('perTryTimeoutMs' in DEFAULT_RETRY_POLICY, false, 'no per-try timeout by default');
});

test('attempts 0 (or an empty block) disables retries altogether', () => {
  assert.equal(convertRetry({ attempts: 0 }), undefined);
  assert.equal(convertRetry({}), undefined);
  assert.equal(convertRetry({ attempts: -1 }), undefined);
});

test('the seed\'s retries: 3 attempts, 1 s per try, its conditions and no status codes', () => {
  assert.deepEqual(convertRetry({ attempts: 3, perTryTimeout: '1s', retryOn: '5xx,reset,connect-failure,refused-stream' }), {
    maxRetries: 3,
    perTryTimeoutMs: 1000,
    retryOn: ['5xx', 'reset', 'connect-failure', 'refused-stream'],
    retriableStatusCodes: [],
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    avoidPreviousHosts: true,
  });
});

test('attempts alone keep the default conditions and the default 503', () => {
  const r = convertRetry({ attempts: 5 });
  assert.equal(r?.maxRetries, 5);
  assert.deepEqual(r?.retryOn, DEFAULT_RETRY_POLICY.retryOn);
  assert.deepEqual(r?.retriableStatusCodes, [503]);
  assert.equal(r?.perTryTimeoutMs, undefined);
});

test('numbers in retryOn are status codes and bring retriable-status-codes with them', () => {
  assert.deepEqual(parseRetryOn('503'), { retryOn: ['retriable-status-codes'], retriableStatusCodes: [503] });
  assert.deepEqual(parseRetryOn(' gateway-error , 429,503 ,,429'), { retryOn: ['gateway-error', 'retriable-status-codes'], retriableStatusCodes: [429, 503] });
  assert.deepEqual(parseRetryOn('retriable-status-codes,5xx,502'), { retryOn: ['retriable-status-codes', '5xx'], retriableStatusCodes: [502] });
  // retryOn replaces the default codes too: retriable-status-codes without a number retries no status.
  assert.deepEqual(convertRetry({ attempts: 1, retryOn: 'retriable-status-codes' })?.retriableStatusCodes, []);
});

test('gRPC conditions are kept for when gRPC lands; conditions the proxy does not implement are left out', () => {
  assert.deepEqual(parseRetryOn('cancelled,deadline-exceeded,internal,resource-exhausted,unavailable').retryOn,
    ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);
  assert.deepEqual(parseRetryOn('5xx,reset-before-request,retriable-headers,envoy-ratelimited,http3-post-connect-failure,retriable-4xx').retryOn, ['5xx', 'retriable-4xx']);
});

test('backoff is Envoy\'s base interval, the maximum ten times it; retryIgnorePreviousHosts: false lets a retry reuse a host', () => {
  const r = convertRetry({ attempts: 2, backoff: '100ms', retryIgnorePreviousHosts: false });
  assert.equal(r?.backoffBaseMs, 100);
  assert.equal(r?.backoffMaxMs, 1000);
  assert.equal(r?.avoidPreviousHosts, false);
  assert.equal(convertRetry({ attempts: 2, retryIgnorePreviousHosts: true })?.avoidPreviousHosts, true);
});

test('retryRemoteLocalities changes nothing: Weft has one locality', () => {
  assert.deepEqual(convertRetry({ attempts: 2, retryRemoteLocalities: true }), convertRetry({ attempts: 2 }));
});
