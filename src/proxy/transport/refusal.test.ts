// Refusal reasons in operator words (OpenSSL codes, peer alerts, SPIFFE checks), the peer log /certs shows, and the rate-limited log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTlsFailure, PeerLog, PeerRefusedError, refusal, serverPeerCheck, spiffeRefusal } from './refusal.ts';
import { RateLimitedLog } from './rate-limited-log.ts';
import type { PeerCertificate } from 'node:tls';

const TD = 'cluster.local';
const ID = 'spiffe://cluster.local/ns/default/sa/user-service';

const errWith = (code: string, message = code): Error => Object.assign(new Error(message), { code });

test('OpenSSL verification codes and peer alerts are named in operator words', () => {
  assert.equal(classifyTlsFailure(errWith('CERT_HAS_EXPIRED', 'certificate has expired')).kind, 'expired');
  assert.match(classifyTlsFailure(errWith('CERT_HAS_EXPIRED', 'certificate has expired')).reason, /^peer certificate expired: certificate has expired \(CERT_HAS_EXPIRED\)$/);
  assert.equal(classifyTlsFailure(errWith('CERT_NOT_YET_VALID')).kind, 'not-yet-valid');
  for (const c of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'DEPTH_ZERO_SELF_SIGNED_CERT']) {
    assert.equal(classifyTlsFailure(errWith(c)).kind, 'unknown-ca', c);
  }
  // A server's authorizationError may be a bare code string.
  assert.equal(classifyTlsFailure('CERT_HAS_EXPIRED').kind, 'expired');
  assert.equal(classifyTlsFailure(errWith('ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED')).kind, 'refused-by-peer');
  assert.equal(classifyTlsFailure(errWith('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')).kind, 'refused-by-peer');
  assert.equal(classifyTlsFailure(new Error('peer did not return a certificate')).kind, 'no-certificate');
  assert.equal(classifyTlsFailure(new Error('socket hang up')).kind, 'handshake');
  assert.equal(classifyTlsFailure(null).kind, 'handshake');
  assert.equal(classifyTlsFailure(new PeerRefusedError(refusal('wrong-identity', 'x'))).kind, 'wrong-identity');
});

test('SPIFFE id checks: none, malformed, another trust domain, ours', () => {
  assert.equal(spiffeRefusal(undefined, TD)?.kind, 'no-spiffe-id');
  assert.equal(spiffeRefusal('DNS:user-service', TD)?.kind, 'no-spiffe-id');
  assert.equal(spiffeRefusal('URI:spiffe://cluster.local/ns/default', TD)?.kind, 'no-spiffe-id');
  assert.equal(spiffeRefusal('URI:spiffe://evil.example/ns/default/sa/x', TD)?.kind, 'foreign-trust-domain');
  assert.equal(spiffeRefusal(`URI:${ID}`, TD), null);
});

test('serverPeerCheck refuses with a reason, accepts the expected id and reports it', () => {
  const accepted: string[] = [];
  const check = serverPeerCheck(ID, TD, (c) => accepted.push(c.serialNumber));
  const cert = (san: string): PeerCertificate => ({ subjectaltname: san, serialNumber: 'AB' } as PeerCertificate);
  assert.equal(check('h', cert(`URI:${ID}`)), undefined);
  assert.deepEqual(accepted, ['AB']);
  const wrong = check('h', cert('URI:spiffe://cluster.local/ns/default/sa/impostor'));
  assert.ok(wrong instanceof PeerRefusedError && wrong.refusal.kind === 'wrong-identity');
  const foreign = check('h', cert('URI:spiffe://evil.example/ns/default/sa/user-service'));
  assert.ok(foreign instanceof PeerRefusedError && foreign.refusal.kind === 'foreign-trust-domain');
  assert.equal(accepted.length, 1);
});

test('PeerLog keeps the last 64 peers, newest last', () => {
  const log = new PeerLog();
  for (let i = 0; i < 70; i++) log.record('inbound', { subjectaltname: `URI:${ID}`, serialNumber: i.toString(16), valid_to: 'Nov 26 08:00:00 2030 GMT' });
  const list = log.list();
  assert.equal(list.length, PeerLog.CAPACITY);
  assert.equal(list.at(-1)?.serialNumber, (69).toString(16).toUpperCase());
  assert.equal(list[0]?.spiffeId, ID);
  assert.equal(list[0]?.validTo, '2030-11-26T08:00:00.000Z');
});

test('RateLimitedLog: one line per key and interval, the next one counts what was held back', () => {
  let now = 0;
  const log = new RateLimitedLog(10_000, () => now);
  const out: string[] = [];
  const emit = (key: string) => log.log(key, (n) => out.push(`${key}:${n}`));
  emit('a'); emit('a'); emit('a'); emit('b');
  now = 9_999; emit('a');
  now = 10_000; emit('a');
  assert.deepEqual(out, ['a:0', 'b:0', 'a:3']);
});
