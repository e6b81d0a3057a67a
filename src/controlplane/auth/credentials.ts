/** The control plane's secrets in its state directory: the admin token and the join-token key, created on first start with mode 0600 (atomic write) and read back unchanged after a restart. */
import { randomBytes } from 'node:crypto';
import { chmod, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf, WeftError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { fsyncDir, readFileIfExists } from '../store/atomic-file.ts';
import { ADMIN_TOKEN_FILE, ADMIN_TOKEN_PREFIX, JOIN_TOKEN_KEY_FILE, ROOT_CERT_COPY_FILE } from './files.ts';

/** WEFT_AUTH_STATE: a credential file in the state directory cannot be created, read or used. */
export class CredentialStateError extends WeftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEFT_AUTH_STATE', message, options);
  }
}

export interface ControlPlaneSecrets {
  /** The admin bearer token (the file's content, trimmed). */
  readonly adminToken: string;
  readonly adminTokenFile: string;
  /** HMAC-SHA256 key of join tokens. */
  readonly joinTokenKey: Buffer;
  /** Where the public copy of the root certificate is (see writeRootCopy). */
  readonly rootCertFile: string;
}

/**
 * Loads the admin token and the join-token key from `stateDir`, creating each on first start.
 * The directory is narrowed to 0700 and the files to 0600 if someone widened them (the owner of
 * the state directory is the one trusted party; see docs/security.md).
 */
export async function loadOrCreateSecrets(stateDir: string, logger: Logger): Promise<ControlPlaneSecrets> {
  await narrow(stateDir, 0o700, logger);
  const adminTokenFile = join(stateDir, ADMIN_TOKEN_FILE);
  const adminToken = await loadOrCreate(adminTokenFile, () => `${ADMIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`, logger);
  if (!adminToken.startsWith(ADMIN_TOKEN_PREFIX) || adminToken.length < ADMIN_TOKEN_PREFIX.length + 32) {
    throw new CredentialStateError(`${adminTokenFile} does not hold an admin token; remove it to have a new one made at the next start`);
  }
  const keyFile = join(stateDir, JOIN_TOKEN_KEY_FILE);
  const joinTokenKey = Buffer.from(await loadOrCreate(keyFile, () => randomBytes(32).toString('base64url'), logger), 'base64url');
  if (joinTokenKey.length < 32) throw new CredentialStateError(`${keyFile} does not hold a 32-byte key; remove it to have a new one made (every join token issued so far stops working)`);
  return { adminToken, adminTokenFile, joinTokenKey, rootCertFile: join(stateDir, ROOT_CERT_COPY_FILE) };
}

/** Writes the public copy of the root certificate (0644), replacing an older one atomically. */
export async function writeRootCopy(path: string, pem: string): Promise<void> {
  if ((await readFileIfExists(path)) === pem) return;
  try {
    await writeAtomic(path, pem, 0o644);
  } catch (err) {
    throw new CredentialStateError(`cannot write ${path}: ${messageOf(err)}; check that the state directory is writable by this user`, { cause: err });
  }
}

async function loadOrCreate(path: string, make: () => string, logger: Logger): Promise<string> {
  let text: string | null;
  try {
    text = await readFileIfExists(path);
  } catch (err) {
    throw new CredentialStateError(`cannot read ${path}: ${messageOf(err)}`, { cause: err });
  }
  if (text !== null) {
    await narrow(path, 0o600, logger);
    return text.trim();
  }
  const value = make();
  try {
    await writeAtomic(path, `${value}\n`, 0o600);
  } catch (err) {
    throw new CredentialStateError(`cannot create ${path}: ${messageOf(err)}; check that the state directory is writable by this user`, { cause: err });
  }
  logger.info({ path }, 'created a control plane credential');
  return value;
}

/** Temp file created with the final mode (never readable by others, even for an instant), fsync, rename, fsync of the directory. */
async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', mode & 0o600);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.chmod(mode);
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(join(path, '..'));
}

async function narrow(path: string, mode: number, logger: Logger): Promise<void> {
  try {
    const st = await stat(path);
    if ((st.mode & 0o777 & ~mode) !== 0) {
      logger.warn({ path, mode: (st.mode & 0o777).toString(8) }, `narrowing the permissions of ${path} to ${mode.toString(8)}: it holds secrets`);
      await chmod(path, mode);
    }
  } catch (err) {
    throw new CredentialStateError(`cannot check the permissions of ${path}: ${messageOf(err)}`, { cause: err });
  }
}
