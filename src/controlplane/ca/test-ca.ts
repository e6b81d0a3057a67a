/** Test support: a user's CA hierarchy (root → intermediate) written in Istio's cacerts layout, with knobs to break it in each way the plug-in CA must refuse. */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { webcrypto } from 'node:crypto';
import { crypto, x509 } from '../../lib/x509.ts';
import { PLUGIN_CA_CERT_FILE, PLUGIN_CA_KEY_FILE, PLUGIN_CERT_CHAIN_FILE, PLUGIN_ROOT_CERT_FILE } from './plugin.ts';
import { randomSerial } from './root.ts';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const DAY = 86_400_000;

export interface TestCaOptions {
  /** The intermediate's key type; default EC P-256. */
  readonly intermediateKey?: 'ec' | 'rsa';
  /** The intermediate's validity, ms since the epoch; default a day ago to a year ahead. */
  readonly intermediateNotBefore?: number;
  readonly intermediateNotAfter?: number;
  /** Make the "intermediate" CA:false. */
  readonly intermediateNotCa?: boolean;
  /** Write another key as ca-key.pem. */
  readonly wrongKey?: boolean;
  /** Write another root as root-cert.pem (the chain then leads elsewhere). */
  readonly wrongRoot?: boolean;
  /** Leave cert-chain.pem out. */
  readonly noChainFile?: boolean;
}

export interface TestCa {
  readonly rootPem: string;
  readonly intermediatePem: string;
}

async function keysOf(kind: 'ec' | 'rsa'): Promise<webcrypto.CryptoKeyPair> {
  return (await crypto.subtle.generateKey(kind === 'ec' ? EC : RSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function selfSignedRoot(name: string): Promise<{ cert: x509.X509Certificate; keys: webcrypto.CryptoKeyPair }> {
  const keys = await keysOf('ec');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    ],
  }, crypto);
  return { cert, keys };
}

/** Writes ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem (intermediate + root) into `dir`. */
export async function writeTestCa(dir: string, opts: TestCaOptions = {}): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const root = await selfSignedRoot('CN=Test Corp Root CA, O=Test Corp');
  const interKeys = await keysOf(opts.intermediateKey ?? 'ec');
  const inter = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=Test Corp Mesh Intermediate CA, O=Test Corp',
    issuer: root.cert.subject,
    notBefore: new Date(opts.intermediateNotBefore ?? Date.now() - DAY),
    notAfter: new Date(opts.intermediateNotAfter ?? Date.now() + 365 * DAY),
    publicKey: interKeys.publicKey,
    signingKey: root.keys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(opts.intermediateNotCa !== true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(interKeys.publicKey, false, crypto),
      await x509.AuthorityKeyIdentifierExtension.create(root.keys.publicKey, false, crypto),
    ],
  }, crypto);
  const keyPair = opts.wrongKey === true ? await keysOf(opts.intermediateKey ?? 'ec') : interKeys;
  const keyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keyPair.privateKey), 'PRIVATE KEY') + '\n';
  const rootPem = root.cert.toString('pem') + '\n';
  const writtenRoot = opts.wrongRoot === true ? (await selfSignedRoot('CN=Other Root CA')).cert.toString('pem') + '\n' : rootPem;
  const interPem = inter.toString('pem') + '\n';
  await writeFile(join(dir, PLUGIN_CA_CERT_FILE), interPem);
  await writeFile(join(dir, PLUGIN_CA_KEY_FILE), keyPem, { mode: 0o600 });
  await writeFile(join(dir, PLUGIN_ROOT_CERT_FILE), writtenRoot);
  if (opts.noChainFile !== true) await writeFile(join(dir, PLUGIN_CERT_CHAIN_FILE), interPem + rootPem);
  return { rootPem, intermediatePem: interPem };
}
