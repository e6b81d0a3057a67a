// Tests of convertClientTls: auto mTLS by default, Istio's mode semantics, the file settings of SIMPLE and MUTUAL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertClientTls } from './tls.ts';

test('no tls block: auto mTLS; a block without mode: DISABLE (the proto\'s zero value)', () => {
  assert.deepEqual(convertClientTls(undefined), { transport: 'AUTO' });
  assert.deepEqual(convertClientTls({}), { transport: 'DISABLE' });
  assert.deepEqual(convertClientTls({ mode: 'DISABLE' }), { transport: 'DISABLE' });
  assert.deepEqual(convertClientTls({ mode: 'ISTIO_MUTUAL', sni: 'ignored' }), { transport: 'ISTIO_MUTUAL' });
});

test('SIMPLE keeps CA, SNI, SANs and skip-verify; MUTUAL adds the client certificate and key', () => {
  assert.deepEqual(convertClientTls({ mode: 'SIMPLE', clientCertificate: '/c.pem', privateKey: '/k.pem' }), { transport: 'SIMPLE', tls: { subjectAltNames: [], insecureSkipVerify: false } });
  assert.deepEqual(convertClientTls({ mode: 'MUTUAL', clientCertificate: '/c.pem', privateKey: '/k.pem', caCertificates: '/ca.pem', subjectAltNames: ['a.example'], insecureSkipVerify: true }), {
    transport: 'MUTUAL',
    tls: { caCertificates: '/ca.pem', clientCertificate: '/c.pem', privateKey: '/k.pem', subjectAltNames: ['a.example'], insecureSkipVerify: true },
  });
});
