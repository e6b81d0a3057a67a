// Kind names: every spelling kubectl users type resolves to one kind, and nothing else does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, qualifiedKind, qualifiedPlural, resolveKind } from './kinds.ts';

test('VirtualService by full, lower-case, plural, short and group-qualified names', () => {
  for (const typed of ['VirtualService', 'virtualservice', 'virtualservices', 'VirtualServices', 'vs', 'VS',
    'virtualservice.networking.istio.io', 'virtualservices.networking.istio.io', 'vs.networking.istio.io']) {
    assert.equal(resolveKind(typed)?.kind, 'VirtualService', typed);
  }
});

test('DestinationRule and the registry kinds', () => {
  for (const typed of ['destinationrule', 'destinationrules', 'dr', 'DestinationRule']) assert.equal(resolveKind(typed)?.kind, 'DestinationRule', typed);
  for (const typed of ['workloads', 'workload', 'wl']) assert.equal(resolveKind(typed)?.source, 'workloads', typed);
  for (const typed of ['services', 'service', 'svc']) assert.equal(resolveKind(typed)?.source, 'services', typed);
});

test('unknown names and wrong groups resolve to nothing', () => {
  for (const typed of ['', 'v', 'virtualservicez', 'pods', 'vs.security.istio.io', 'dr.networking']) assert.equal(resolveKind(typed), null, typed);
});

test('short names are unique across kinds', () => {
  const all = KINDS.flatMap((k) => [k.kind.toLowerCase(), k.plural, ...k.shortNames.filter((s) => s !== k.kind.toLowerCase())]);
  assert.equal(new Set(all).size, all.length);
});

test('kubectl spellings for result lines and not-found messages', () => {
  assert.equal(qualifiedKind('VirtualService'), 'virtualservice.networking.istio.io');
  assert.equal(qualifiedKind('PeerAuthentication'), 'peerauthentication.security.istio.io');
  assert.equal(qualifiedKind('SomethingNew'), 'somethingnew');
  assert.equal(qualifiedPlural(resolveKind('dr')!), 'destinationrules.networking.istio.io');
  assert.equal(qualifiedPlural(resolveKind('wl')!), 'workloads');
});
