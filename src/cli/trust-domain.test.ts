// Tests of --trust-domain parsing (issue 4: the trust domain is configurable on the control plane and the sidecars).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrustDomain } from './commands/control-plane.ts';

test('trust domains: DNS-style lower-case names pass; upper case, schemes, slashes and empty values are refused', () => {
  for (const ok of ['cluster.local', 'example.org', 'td_1.corp-a']) assert.equal(parseTrustDomain(ok), ok);
  for (const bad of ['', 'Cluster.local', 'spiffe://cluster.local', 'a/b', '-x', 'x.']) assert.throws(() => parseTrustDomain(bad), /trust domain/, bad);
});
