// Tests of outlierDetection conversion: absent means none, Envoy's defaults, the deprecated consecutiveErrors, explicit zeros.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertOutlierDetection } from './outlier.ts';

test('no outlierDetection block: no outlier detection', () => {
  assert.equal(convertOutlierDetection(undefined), undefined);
});

test('an empty block: Envoy\'s defaults (5 consecutive 5xx, 10 s, 30 s, 10 %) and Istio\'s panic threshold 0', () => {
  assert.deepEqual(convertOutlierDetection({}), {
    consecutive5xxErrors: 5,
    consecutiveGatewayErrors: 0,
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionPercent: 10,
    minHealthPercent: 0,
  });
});

test('the seed\'s outlier detection: consecutiveErrors 5 ejects after 5 consecutive 5xx, for 30 s, at most half the endpoints', () => {
  assert.deepEqual(convertOutlierDetection({ consecutiveErrors: 5, interval: '30s', baseEjectionTime: '30s', maxEjectionPercent: 50 }), {
    consecutive5xxErrors: 5,
    consecutiveGatewayErrors: 0,
    intervalMs: 30_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionPercent: 50,
    minHealthPercent: 0,
  });
});

test('consecutiveErrors stands in for consecutive5xxErrors only when that is not set', () => {
  assert.equal(convertOutlierDetection({ consecutiveErrors: 3 })?.consecutive5xxErrors, 3);
  assert.equal(convertOutlierDetection({ consecutiveErrors: 3, consecutive5xxErrors: 8 })?.consecutive5xxErrors, 8);
  assert.equal(convertOutlierDetection({ consecutiveErrors: 0 })?.consecutive5xxErrors, 5);
});

test('explicit values, and 0 turning a detector off', () => {
  assert.deepEqual(convertOutlierDetection({
    consecutive5xxErrors: 0, consecutiveGatewayErrors: 3, interval: '1s', baseEjectionTime: '2m', maxEjectionPercent: 100, minHealthPercent: 40,
  }), { consecutive5xxErrors: 0, consecutiveGatewayErrors: 3, intervalMs: 1000, baseEjectionTimeMs: 120_000, maxEjectionPercent: 100, minHealthPercent: 40 });
  // maxEjectionPercent 0 cannot be told from unset in Istio: Envoy's 10 % applies.
  assert.equal(convertOutlierDetection({ maxEjectionPercent: 0 })?.maxEjectionPercent, 10);
});
