import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, createPublicKey } from 'node:crypto';
import { createCsr, generateWorkloadKey, spkiOfKeyPem } from './csr.ts';

/** Minimal DER reader for the test: [tag, contentStart, contentEnd] of the element at `pos`. */
function read(buf: Buffer, pos: number): [number, number, number] {
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | buf[start + i]!;
    start += n;
  }
  return [tag, start, start + len];
}

test('a CSR is DER PKCS#10 with the URI SAN, signed by the workload key', () => {
  const key = generateWorkloadKey();
  const uri = 'spiffe://cluster.local/ns/default/sa/order-service';
  const pem = createCsr(key, uri);
  assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE REQUEST-----\n$/);
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\n/g, ''), 'base64');
  const [t0, s0, e0] = read(der, 0);
  assert.equal(t0, 0x30);
  assert.equal(e0, der.length);
  const [t1, s1, e1] = read(der, s0); // certificationRequestInfo
  assert.equal(t1, 0x30);
  const info = der.subarray(s0, e1);
  const [, , eAlg] = read(der, e1);
  const [tSig, sSig, eSig] = read(der, eAlg);
  assert.equal(tSig, 0x03);
  const signature = der.subarray(sSig + 1, eSig);
  assert.ok(verify('sha256', info, createPublicKey(key.keyPem), signature), 'signature verifies with the workload key');
  assert.ok(der.includes(Buffer.from(uri)), 'carries the SPIFFE URI');
  assert.ok(info.includes(key.spki), 'carries the public key');
  assert.deepEqual(spkiOfKeyPem(key.keyPem), key.spki);
  assert.equal(s1 > 0, true);
});

test('every key is fresh', () => {
  assert.notDeepEqual(generateWorkloadKey().spki, generateWorkloadKey().spki);
});
