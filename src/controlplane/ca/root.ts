/** The CA's root: an ECDSA P-256 self-signed certificate valid 10 years, created on first start, persisted atomically under the CA directory, and loaded unchanged on every later start. */
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate, type KeyObject, type webcrypto } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { messageOf } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { crypto, x509 } from '../../lib/x509.ts';
import { RootInvalidError } from './errors.ts';

export const ROOT_CERT_FILE = 'root-cert.pem';
export const ROOT_KEY_FILE = 'root-key.pem';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Ten years of 365 days. */
export const ROOT_VALIDITY_MS = 3650 * DAY_MS;
/** notBefore is set this far in the past, so that a peer whose clock is a little behind accepts the certificate. */
export const CLOCK_SKEW_MS = 60_000;
/** Below this much remaining validity a loaded root is still used, with a warning at every start. */
const ROOT_RENEW_WARNING_MS = 365 * DAY_MS;

/** What signing needs from a root, whichever way it was obtained (created, loaded, or later user-provided). */
export interface RootCa {
  readonly certPem: string;
  readonly cert: x509.X509Certificate;
  /** Non-extractable: once loaded, the key is used only through WebCrypto. */
  readonly signingKey: webcrypto.CryptoKey;
  readonly signingAlgorithm: SigningAlgorithm;
  readonly notAfter: number;
  /** The root's subject key identifier (hex), copied into each leaf's authorityKeyIdentifier. */
  readonly keyId: string;
  /** SHA-256 fingerprint, colon-separated hex, for logs (what `openssl x509 -fingerprint -sha256` prints). */
  readonly fingerprint256: string;
}

/** ECDSA for roots Weft creates; RSA PKCS#1 v1.5 too for a plug-in CA (Istio's sample certificates are RSA). */
export type SigningAlgorithm =
  | { readonly name: 'ECDSA'; readonly hash: 'SHA-256' | 'SHA-384' }
  | { readonly name: 'RSASSA-PKCS1-v1_5'; readonly hash: 'SHA-256' };

const CURVES: Readonly<Record<string, { readonly namedCurve: 'P-256' | 'P-384'; readonly hash: 'SHA-256' | 'SHA-384' }>> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
};

/**
 * Loads `<dir>/root-cert.pem` + `<dir>/root-key.pem`, or creates and persists them when neither
 * exists. The certificate is written last, so its presence marks a completed creation:
 *
 *   cert + key   → load (and check) them
 *   neither      → create
 *   key only     → a creation was interrupted before it committed; nothing was ever signed with
 *                  that key, so create anew (overwriting it)
 *   cert only    → RootInvalidError: the key was lost, and only the operator can decide to
 *                  start a new root (which every workload must then pick up)
 *
 * The directory must have one writer at a time (the control plane's state directory).
 */
export async function loadOrCreateRoot(opts: { readonly dir: string; readonly trustDomain: string; readonly now: number; readonly logger: Logger }): Promise<RootCa> {
  const { dir, logger } = opts;
  const certPath = join(dir, ROOT_CERT_FILE);
  const keyPath = join(dir, ROOT_KEY_FILE);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await removeStaleTemporaries(dir);
  } catch (err) {
    throw new RootInvalidError(`cannot prepare the CA directory ${dir}: ${messageOf(err)}; check that it is writable by this user`, { cause: err });
  }
  const certPem = await readIfExists(certPath);
  const keyPem = await readIfExists(keyPath);

  if (certPem !== null && keyPem === null) {
    throw new RootInvalidError(
      `${certPath} exists but ${keyPath} is missing: restore the key file, or remove ${certPath} to create a new root ` +
        '(certificates issued under the old root stop being trusted; every sidecar must then renew)',
    );
  }
  if (certPem !== null && keyPem !== null) {
    await warnIfKeyIsReadableByOthers(keyPath, logger);
    const root = await parseRoot(certPem, keyPem, { now: opts.now, source: dir });
    const remaining = root.notAfter - opts.now;
    const log = remaining < ROOT_RENEW_WARNING_MS ? logger.warn.bind(logger) : logger.info.bind(logger);
    log({ dir, fingerprint256: root.fingerprint256, notAfter: new Date(root.notAfter).toISOString() }, remaining < ROOT_RENEW_WARNING_MS ? 'root CA expires within a year: plan a new root' : 'loaded root CA');
    return root;
  }
  if (keyPem !== null) logger.warn({ keyPath }, 'found a root key without its certificate (an interrupted first start): creating a new root');

  const created = await createRootPems({ trustDomain: opts.trustDomain, now: opts.now });
  try {
    await writeFileAtomic(keyPath, created.keyPem, 0o600);
    await writeFileAtomic(certPath, created.certPem, 0o644);
  } catch (err) {
    throw new RootInvalidError(`cannot write the root CA into ${dir}: ${messageOf(err)}; check that it is writable by this user`, { cause: err });
  }
  // Read back what was persisted, so the root in use is exactly the one later starts will load.
  const root = await parseRoot(await readFile(certPath, 'utf8'), await readFile(keyPath, 'utf8'), { now: opts.now, source: dir });
  logger.info({ dir, fingerprint256: root.fingerprint256, notAfter: new Date(root.notAfter).toISOString() }, 'created a new root CA');
  return root;
}

/** A fresh root as PEM: ECDSA P-256, self-signed, CA:true (critical), keyCertSign + cRLSign (critical). */
export async function createRootPems(opts: { readonly trustDomain: string; readonly now: number }): Promise<{ readonly certPem: string; readonly keyPem: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      // The trust domain is validated ([a-z0-9._-]), so it needs no DN escaping.
      name: `CN=Weft Root CA, O=${opts.trustDomain}`,
      notBefore: new Date(opts.now - CLOCK_SKEW_MS),
      notAfter: new Date(opts.now + ROOT_VALIDITY_MS),
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem') + '\n', keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n' };
}

/**
 * Checks a root certificate and its PKCS#8 key and makes them ready to sign. `source` names
 * where they came from and `what` the certificate is called (default "root"), for error
 * messages. Shared by the created/loaded root and the plug-in CA's signing certificate
 * (plugin.ts, which alone allows RSA keys: Istio's sample CA is RSA).
 */
export async function parseRoot(
  certPem: string,
  keyPem: string,
  opts: { readonly now: number; readonly source: string; readonly what?: string; readonly allowRsa?: boolean },
): Promise<RootCa> {
  const { source } = opts;
  const what = opts.what ?? 'root';
  let nodeCert: X509Certificate;
  let cert: x509.X509Certificate;
  try {
    nodeCert = new X509Certificate(certPem);
    cert = new x509.X509Certificate(certPem);
  } catch (err) {
    throw new RootInvalidError(`${source}: the ${what} certificate is not a PEM X.509 certificate (${messageOf(err)})`, { cause: err });
  }
  if (!nodeCert.ca) throw new RootInvalidError(`${source}: the ${what} certificate is not a CA certificate (basicConstraints CA:true is missing)`);
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  if (keyUsage !== null && (keyUsage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new RootInvalidError(`${source}: the ${what} certificate's keyUsage does not allow keyCertSign`);
  }
  if (nodeCert.validToDate.getTime() <= opts.now) {
    throw new RootInvalidError(
      `${source}: the ${what} certificate expired on ${nodeCert.validToDate.toISOString()}` +
        (opts.what === undefined ? '; move both root files away to create a new root (every sidecar then needs a new certificate)' : ''),
    );
  }

  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new RootInvalidError(`${source}: the ${what} key is not a PEM private key (${messageOf(err)})`, { cause: err });
  }
  const spki = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(key)).equals(spki(nodeCert.publicKey))) {
    throw new RootInvalidError(`${source}: the ${what} key does not belong to the ${what} certificate`);
  }
  const { signingKey, signingAlgorithm } = await importSigningKey(key, source, what, opts.allowRsa === true);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const keyId = ski?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(cert.publicKey, false, crypto)).keyId;
  return {
    certPem: cert.toString('pem') + '\n',
    cert,
    keyId,
    signingKey,
    signingAlgorithm,
    notAfter: nodeCert.validToDate.getTime(),
    fingerprint256: nodeCert.fingerprint256,
  };
}

/** Imports a CA private key for signing only (non-extractable): ECDSA P-256/P-384, or RSA 2048–4096 when `allowRsa`. */
async function importSigningKey(key: KeyObject, source: string, what: string, allowRsa: boolean): Promise<{ signingKey: webcrypto.CryptoKey; signingAlgorithm: SigningAlgorithm }> {
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (curve !== undefined) {
      const signingKey = await crypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: curve.namedCurve }, false, ['sign']);
      return { signingKey, signingAlgorithm: { name: 'ECDSA', hash: curve.hash } };
    }
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (allowRsa && key.asymmetricKeyType === 'rsa' && bits >= 2048 && bits <= 4096) {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
    const signingKey = await crypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), alg, false, ['sign']);
    return { signingKey, signingAlgorithm: alg };
  }
  throw new RootInvalidError(`${source}: the ${what} key must be ECDSA P-256 or P-384${allowRsa ? ' or RSA 2048–4096' : ''}`);
}

/**
 * A random positive serial of 128 bits, as hex. RFC 5280 §4.1.2.2 allows up to 20 octets;
 * the x509 library adds the leading zero octet DER needs when the top bit is set.
 */
export function randomSerial(): string {
  for (let i = 0; i < 8; i++) {
    const bytes = randomBytes(16);
    if (bytes.some((b) => b !== 0)) return bytes.toString('hex');
  }
  throw new Error('randomBytes returned zeros eight times in a row');
}

/** Temp file, fsync, rename, fsync the directory: a crash leaves the old file or the new one, never a torn one. */
async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.chmod(mode); // the umask may have narrowed or (for 0644) kept bits we did not ask for
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  const dh = await open(dirname(path), 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** A crash between writing a temp file and renaming it leaves it behind; the key temp holds a private key. */
async function removeStaleTemporaries(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if ((name.startsWith(`${ROOT_CERT_FILE}.`) || name.startsWith(`${ROOT_KEY_FILE}.`)) && name.endsWith('.tmp')) {
      await unlink(join(dir, name)).catch(() => {});
    }
  }
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RootInvalidError(`cannot read ${path}: ${messageOf(err)}`, { cause: err });
  }
}

async function warnIfKeyIsReadableByOthers(keyPath: string, logger: Logger): Promise<void> {
  const { mode } = await stat(keyPath);
  if ((mode & 0o077) !== 0) logger.warn({ keyPath, mode: (mode & 0o777).toString(8) }, 'the root CA key is readable by other users: chmod 600 it');
}
