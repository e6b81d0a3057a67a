// Tests of connectionPool conversion: Istio's and Envoy's defaults, explicit values, 0 as "default", idle timeout fallbacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertConnectionPool, DEFAULT_CONNECTION_POOL, UNLIMITED } from './connection-pool.ts';

test('no connectionPool: every threshold 2^32−1, 10 s connect timeout, 1 h idle, unlimited requests per connection', () => {
  assert.deepEqual(convertConnectionPool(undefined), {
    maxConnections: 4_294_967_295,
    connectTimeoutMs: 10_000,
    maxPendingRequests: 4_294_967_295,
    maxRequests: 4_294_967_295,
    maxRequestsPerConnection: 0,
    maxRetries: 4_294_967_295,
    idleTimeoutMs: 3_600_000,
  });
  assert.deepEqual(convertConnectionPool({}), DEFAULT_CONNECTION_POOL);
});

test('the seed\'s circuit breaker: 100 connections, 50 pending, 2 requests per connection, the rest default', () => {
  assert.deepEqual(convertConnectionPool({ tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 50, maxRequestsPerConnection: 2 } }), {
    ...DEFAULT_CONNECTION_POOL,
    maxConnections: 100,
    maxPendingRequests: 50,
    maxRequestsPerConnection: 2,
  });
});

test('Istio\'s circuit-breaking task: 1 connection, 1 pending request, 1 request per connection', () => {
  const p = convertConnectionPool({ tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } });
  assert.deepEqual([p.maxConnections, p.maxPendingRequests, p.maxRequestsPerConnection], [1, 1, 1]);
});

test('every field: http2MaxRequests is the cluster\'s request limit, maxRetries its retry budget', () => {
  assert.deepEqual(convertConnectionPool({
    tcp: { maxConnections: 7, connectTimeout: '250ms' },
    http: { http1MaxPendingRequests: 3, http2MaxRequests: 40, maxRequestsPerConnection: 9, maxRetries: 4, idleTimeout: '90s' },
  }), { maxConnections: 7, connectTimeoutMs: 250, maxPendingRequests: 3, maxRequests: 40, maxRequestsPerConnection: 9, maxRetries: 4, idleTimeoutMs: 90_000 });
});

test('an explicit 0 is Istio\'s "unset": the default applies', () => {
  const p = convertConnectionPool({ tcp: { maxConnections: 0 }, http: { http1MaxPendingRequests: 0, http2MaxRequests: 0, maxRetries: 0, maxRequestsPerConnection: 0 } });
  assert.deepEqual(p, DEFAULT_CONNECTION_POOL);
  assert.equal(UNLIMITED, 2 ** 32 - 1);
});

test('idle timeout: http.idleTimeout, else tcp.idleTimeout (0s = never), else 1 h', () => {
  assert.equal(convertConnectionPool({ http: { idleTimeout: '30s' }, tcp: { idleTimeout: '5s' } }).idleTimeoutMs, 30_000);
  assert.equal(convertConnectionPool({ tcp: { idleTimeout: '5s' } }).idleTimeoutMs, 5_000);
  assert.equal(convertConnectionPool({ tcp: { idleTimeout: '0s' } }).idleTimeoutMs, 0);
  assert.equal(convertConnectionPool({ tcp: { maxConnections: 1 } }).idleTimeoutMs, 3_600_000);
});
