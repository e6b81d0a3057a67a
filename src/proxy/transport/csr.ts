/**
 * PKCS#10 certificate signing requests for workload identities, DER-encoded by hand. Written by
 * hand because the only CSR the sidecar ever makes is this one shape (ECDSA P-256 key, empty
 * subject, one URI SAN), and the general x509 library costs the sidecar ~38 MB of resident memory
 * (measured: RSS of `import('@peculiar/x509')` vs bare Node); the CA side keeps the library.
 *
 *   CertificationRequest ::= SEQUENCE { info, AlgorithmIdentifier(ecdsa-with-SHA256), BIT STRING sig }
 *   info ::= SEQUENCE { INTEGER 0, Name (empty SEQUENCE), SubjectPublicKeyInfo,
 *                       [0] { SEQUENCE { OID extensionRequest, SET { SEQUENCE {
 *                             SEQUENCE { OID subjectAltName, OCTET STRING { SEQUENCE { [6] uri } } } } } } } }
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

// === DER primitives (X.690) ===

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const enc: number[] = [p & 0x7f];
    for (let v = p >>> 7; v > 0; v >>>= 7) enc.unshift(0x80 | (v & 0x7f));
    out.push(...enc);
  }
  return tlv(0x06, Buffer.from(out));
}

const OID_EC_SHA256 = '1.2.840.10045.4.3.2';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';

export interface WorkloadKey {
  readonly privateKey: KeyObject;
  /** PKCS#8 PEM of the private key (for TLS contexts; never sent anywhere). */
  readonly keyPem: string;
  /** DER SubjectPublicKeyInfo, to check the CA's answer is for this key. */
  readonly spki: Buffer;
}

/** A fresh ECDSA P-256 key pair, made in this process. */
export function generateWorkloadKey(): WorkloadKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
  };
}

/** PEM CSR for `uri` (the one URI SAN), signed by `key`. */
export function createCsr(key: WorkloadKey, uri: string): string {
  const san = seq(tlv(0x86, Buffer.from(uri, 'ascii')));
  const extension = seq(oid(OID_SUBJECT_ALT_NAME), tlv(0x04, san));
  const attributes = tlv(0xa0, seq(oid(OID_EXTENSION_REQUEST), set(seq(extension))));
  const info = seq(tlv(0x02, Buffer.from([0])), seq(), key.spki, attributes);
  const signature = sign('sha256', info, key.privateKey); // DER ECDSA-Sig-Value
  const csr = seq(info, seq(oid(OID_EC_SHA256)), tlv(0x03, Buffer.from([0]), signature));
  const b64 = csr.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64.endsWith('\n') ? b64 : `${b64}\n`}-----END CERTIFICATE REQUEST-----\n`;
}

/** DER SPKI of a PEM private key's public half (for tests and checks). */
export function spkiOfKeyPem(keyPem: string): Buffer {
  return createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
}
