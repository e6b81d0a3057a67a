import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkServerSpiffeId, PeerIdentityError, spiffeIdFromSubjectAltName } from './identity.ts';
import type { PeerCertificate } from 'node:tls';

const ID = 'spiffe://cluster.local/ns/default/sa/order-service';

test('finds the one URI SAN as Node prints subjectaltname', () => {
  assert.equal(spiffeIdFromSubjectAltName(`URI:${ID}`), ID);
  assert.equal(spiffeIdFromSubjectAltName(`DNS:order-service, URI:${ID}, IP Address:127.0.0.1`), ID);
  // Node JSON-quotes values holding a comma, quote or control character.
  assert.equal(spiffeIdFromSubjectAltName(`DNS:"a, b", URI:${ID}`), ID);
  assert.equal(spiffeIdFromSubjectAltName(`URI:"${ID}"`), ID);
});

test('no answer unless there is exactly one URI SAN and it is a SPIFFE id', () => {
  for (const san of [
    undefined,
    null,
    '',
    'DNS:order-service',
    'URI:https://example.com/',
    `URI:${ID}, URI:spiffe://cluster.local/ns/default/sa/admin`,
    // A DNS name that pretends to hold a second entry is one quoted value, not a URI SAN.
    `DNS:"x, URI:${ID}"`,
    'garbage',
    'URI:"unterminated',
  ]) {
    assert.equal(spiffeIdFromSubjectAltName(san), null, String(san));
  }
  assert.equal(spiffeIdFromSubjectAltName(`${'DNS:a, '.repeat(100)}URI:${ID}`), null, 'absurdly many entries');
});

test('checkServerSpiffeId accepts the expected identity and refuses others with WEFT_TLS_PEER_IDENTITY', () => {
  const cert = (san: string | undefined): PeerCertificate => ({ subjectaltname: san }) as unknown as PeerCertificate;
  assert.equal(checkServerSpiffeId(ID)('127.0.0.1', cert(`URI:${ID}`)), undefined);
  assert.equal(checkServerSpiffeId([ID, 'spiffe://cluster.local/ns/default/sa/x'])('h', cert(`URI:${ID}`)), undefined);
  assert.equal(checkServerSpiffeId((p) => p.principal === 'cluster.local/ns/default/sa/order-service')('h', cert(`URI:${ID}`)), undefined);

  const wrong = checkServerSpiffeId('spiffe://cluster.local/ns/default/sa/user-service')('h', cert(`URI:${ID}`));
  assert.ok(wrong instanceof PeerIdentityError);
  assert.equal(wrong.code, 'WEFT_TLS_PEER_IDENTITY');
  assert.match(wrong.message, /order-service.*expected.*user-service/);
  assert.ok(checkServerSpiffeId(ID)('h', cert(undefined)) instanceof PeerIdentityError);
  assert.ok(checkServerSpiffeId(ID)('h', cert('URI:spiffe://cluster.local/ns/default')) instanceof PeerIdentityError, 'malformed id');
});

test('reading the id is cheap enough for every connection', (t) => {
  const san = `URI:${ID}`;
  const n = 100_000;
  const start = performance.now();
  let found = 0;
  for (let i = 0; i < n; i++) if (spiffeIdFromSubjectAltName(san) !== null) found++;
  const perCall = ((performance.now() - start) * 1000) / n;
  t.diagnostic(`spiffeIdFromSubjectAltName: ${perCall.toFixed(3)} µs per call`);
  assert.equal(found, n);
  assert.ok(perCall < 20, `${perCall} µs`);
});
