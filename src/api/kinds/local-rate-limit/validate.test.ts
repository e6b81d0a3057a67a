// Tests of Weft's LocalRateLimit kind: the documented example loads; bucket, interval, percentage, selector and headers are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBatch } from '../../analyze.ts';
import { apply, at, show, testdata } from '../../test-support.ts';

function rateLimit(spec: unknown, name = 'limit'): Record<string, unknown> {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'LocalRateLimit', metadata: { name }, spec };
}

function expectError(spec: unknown, path: string, message: RegExp): void {
  const r = apply([rateLimit(spec)]);
  assert.equal(r.ok, false);
  assert.ok(at(r.errors, path).some((e) => message.test(e.message)), `expected an error at ${path} matching ${message}, got:\n${show(r.errors)}`);
}

test('the documented example loads with no error and no warning: every field is enforced', () => {
  const r = validateBatch([testdata('local-rate-limit', 'inbound-100-per-minute.yaml')], [], 'apply');
  assert.deepEqual(r.errors, [], show(r.errors));
  assert.deepEqual(r.warnings, [], show(r.warnings));
  assert.deepEqual(r.resources[0]?.spec, { selector: { matchLabels: { app: 'user-service' } }, maxTokens: 100, fillInterval: '1m', responseHeaders: { 'x-local-rate-limit': 'true' } });
  const full = apply([rateLimit({ direction: 'outbound', maxTokens: 5, tokensPerFill: 1, fillInterval: '200ms', enforcedPercent: 12.5 })]);
  assert.deepEqual([full.errors, full.warnings], [[], []]);
});

test('a usable bucket: maxTokens and fillInterval required, tokens ≥ 1, a refill of at least 50 ms', () => {
  expectError({ fillInterval: '1s' }, 'spec.maxTokens', /required field is missing/);
  expectError({ maxTokens: 5 }, 'spec.fillInterval', /required field is missing/);
  expectError({ maxTokens: 0, fillInterval: '1s' }, 'spec.maxTokens', /at least 1/);
  expectError({ maxTokens: 1.5, fillInterval: '1s' }, 'spec.maxTokens', /expected an integer/);
  expectError({ maxTokens: 5, tokensPerFill: 0, fillInterval: '1s' }, 'spec.tokensPerFill', /at least 1/);
  expectError({ maxTokens: 5, fillInterval: 'often' }, 'spec.fillInterval', /invalid duration "often"/);
  expectError({ maxTokens: 5, fillInterval: '10ms' }, 'spec.fillInterval', /at least 50ms/);
});

test('direction, enforcedPercent, selector and headers', () => {
  expectError({ maxTokens: 5, fillInterval: '1s', direction: 'both' }, 'spec.direction', /must be one of inbound, outbound/);
  expectError({ maxTokens: 5, fillInterval: '1s', enforcedPercent: 101 }, 'spec.enforcedPercent', /not in range 0\.\.100/);
  expectError({ maxTokens: 5, fillInterval: '1s', selector: { matchLabels: { app: 'a*' } } }, 'spec.selector.matchLabels.app', /wildcard is not supported/);
  expectError({ maxTokens: 5, fillInterval: '1s', selector: { labels: { app: 'a' } } }, 'spec.selector.labels', /unknown field "labels".*allowed here: matchLabels/);
  expectError({ maxTokens: 5, fillInterval: '1s', responseHeaders: { ':status': '200' } }, 'spec.responseHeaders[":status"]', /pseudo-headers cannot be added/);
  expectError({ maxTokens: 5, fillInterval: '1s', responseHeaders: { 'x-a': 'b\u0001' } }, 'spec.responseHeaders.x-a', /control character/);
  expectError({ maxTokens: 5, fillInterval: '1s', burst: 3 }, 'spec.burst', /unknown field "burst"/);
  const empty = apply([rateLimit({ maxTokens: 5, fillInterval: '1s', selector: { matchLabels: {} } })]);
  assert.match(at(empty.warnings, 'spec.selector.matchLabels')[0]?.message ?? '', /without labels/);
});

test('the kind lives in weft.dev/v1alpha1 only', () => {
  const r = apply([{ ...rateLimit({ maxTokens: 5, fillInterval: '1s' }), apiVersion: 'networking.istio.io/v1' }]);
  assert.match(at(r.errors, 'apiVersion')[0]?.message ?? '', /LocalRateLimit does not come in apiVersion "networking\.istio\.io\/v1"; supported: weft\.dev\/v1alpha1/);
});
