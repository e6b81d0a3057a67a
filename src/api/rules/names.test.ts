import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fqdnError, isDns1123Label, isDns1123Subdomain, isIstioDnsLabel, wildcardDomainError } from './names.ts';
import { durationError } from './durations.ts';
import { labelKeyError, labelValueError } from './labels.ts';
import { subnetError } from './net.ts';

test('Kubernetes names: subdomains for metadata.name, labels for namespaces', () => {
  for (const ok of ['a', 'order-service', 'order.service-1', `${'a'.repeat(63)}.${'b'.repeat(63)}`]) assert.ok(isDns1123Subdomain(ok), ok);
  for (const bad of ['', 'Order', 'a_b', '-a', 'a-', 'a..b', `${'a'.repeat(64)}`]) assert.ok(!isDns1123Subdomain(bad), bad);
  assert.ok(isDns1123Label('default'));
  assert.ok(!isDns1123Label('shop.eu'));
  assert.ok(isIstioDnsLabel('V2'), 'Istio accepts upper case in subset names');
});

test('hostnames as Istio validates them', () => {
  for (const ok of ['reviews', 'reviews.default', 'reviews.default.svc.cluster.local', '*.example.com', '*', '*-x.example.com', 'istio.io.']) {
    assert.equal(wildcardDomainError(ok), null, ok);
  }
  assert.match(wildcardDomainError('') ?? '', /empty/);
  assert.match(wildcardDomainError('a.*.com') ?? '', /label "\*" invalid/);
  assert.match(wildcardDomainError('example.123') ?? '', /all-numeric/);
  assert.match(wildcardDomainError('a b') ?? '', /invalid/);
  assert.match(fqdnError('*.example.com') ?? '', /invalid/);
});

test('durations: Go syntax, at least 1ms, millisecond precision', () => {
  for (const ok of ['1ms', '3s', '1.5s', '1h30m', '0.001s', '1.1s']) assert.equal(durationError(ok), null, ok);
  assert.match(durationError('3') ?? '', /invalid duration/);
  assert.match(durationError('-1s') ?? '', /invalid duration/);
  assert.match(durationError('0s') ?? '', /at least 1ms/);
  assert.equal(durationError('0s', { allowZero: true }), null);
  assert.match(durationError('1500us') ?? '', /millisecond precision/);
  assert.match(durationError('1500ms', { seconds: true }) ?? '', /seconds precision/);
});

test('labels and subnets', () => {
  assert.equal(labelKeyError('app.kubernetes.io/name'), null);
  assert.match(labelKeyError('Bad Prefix/x') ?? '', /prefix/);
  assert.match(labelKeyError('-x') ?? '', /invalid label key/);
  assert.equal(labelValueError(''), null);
  assert.match(labelValueError('a'.repeat(64)) ?? '', /invalid label value/);
  assert.equal(subnetError('10.0.0.0/8'), null);
  assert.equal(subnetError('2001:db8::/32'), null);
  assert.match(subnetError('10.0.0.0/33') ?? '', /not a valid CIDR/);
  assert.match(subnetError('10.0.0') ?? '', /not a valid IP/);
});
