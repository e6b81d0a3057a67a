// Tests of host pattern matching and its specificity order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestHostSpecificity, hostSpecificity, NO_MATCH } from './hosts.ts';

const fqdn = 'reviews.default.svc.cluster.local';

test('exact beats a long wildcard, which beats a short one, which beats "*"', () => {
  const exact = hostSpecificity(fqdn, fqdn);
  const ns = hostSpecificity('*.default.svc.cluster.local', fqdn);
  const local = hostSpecificity('*.cluster.local', fqdn);
  const all = hostSpecificity('*', fqdn);
  assert.ok(exact > ns && ns > local && local > all && all > NO_MATCH, `${exact} ${ns} ${local} ${all}`);
});

test('a wildcard names hosts under its suffix only, never the suffix itself or other hosts', () => {
  assert.equal(hostSpecificity('*.default.svc.cluster.local', 'default.svc.cluster.local'), NO_MATCH);
  assert.equal(hostSpecificity('*.shop.svc.cluster.local', fqdn), NO_MATCH);
  assert.equal(hostSpecificity('ratings.default.svc.cluster.local', fqdn), NO_MATCH);
});

test('best specificity over a host list', () => {
  assert.equal(bestHostSpecificity([], fqdn), NO_MATCH);
  assert.equal(bestHostSpecificity(['*', fqdn], fqdn), hostSpecificity(fqdn, fqdn));
});
