// Join tokens: minted and verified with the same key; another key, altered claims, expiry and garbage are refused with a reason; the root hash is carried.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRootPems } from '../ca/root.ts';
import { certificateHash, JoinTokenIssuer, peekJoinToken } from './join-token.ts';

const NOW = Date.parse('2026-11-26T08:00:00Z');
const { certPem } = await createRootPems({ trustDomain: 'cluster.local', now: NOW });

describe('JoinTokenIssuer', () => {
  const key = randomBytes(32);
  const issuer = new JoinTokenIssuer(key, certPem);

  it('verifies what it minted and returns the identity, expiry and root hash', () => {
    const token = issuer.mint('default', 'order-service', NOW + 60_000);
    assert.match(token, /^weft-join\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const r = issuer.verify(token, NOW);
    assert.deepEqual(r, { ok: true, claims: { namespace: 'default', serviceAccount: 'order-service', expiresAt: NOW + 60_000, caHash: certificateHash(certPem) } });
    assert.equal(certificateHash(certPem).length, 64);
    assert.equal(peekJoinToken(token)?.serviceAccount, 'order-service');
    assert.notEqual(issuer.mint('default', 'order-service', NOW + 60_000), token, 'two tokens for the same identity differ');
  });

  it('refuses an expired token, at its expiry exactly', () => {
    const token = issuer.mint('default', 'a', NOW + 1000);
    assert.equal(issuer.verify(token, NOW + 999).ok, true);
    const r = issuer.verify(token, NOW + 1000);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /expired/);
  });

  it('refuses a token of another key (another control plane, or a replaced key)', () => {
    const other = new JoinTokenIssuer(randomBytes(32), certPem);
    const r = issuer.verify(other.mint('default', 'a', NOW + 60_000), NOW);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /signature/);
  });

  it('refuses altered claims, truncated signatures and things that are not tokens', () => {
    const [prefix, , mac] = issuer.mint('default', 'a', NOW + 60_000).split('.');
    const claims = Buffer.from(JSON.stringify({ ns: 'kube-system', sa: 'admin', exp: NOW + 60_000, ca: 'x', n: 'y' })).toString('base64url');
    for (const bad of [`${prefix}.${claims}.${mac}`, `${prefix}.${claims}.${mac?.slice(0, 10)}`, 'weft-admin-xyz', '', 'weft-join..', 'a.b.c.d']) {
      const r = issuer.verify(bad, NOW);
      assert.equal(r.ok, false, bad);
    }
  });
});
