// Where the CLI finds its credentials for the control plane: the admin token (`--token`, $WEFT_TOKEN, else the state directory's admin-token) and the root to verify its HTTPS certificate with (`--ca-file`, $WEFT_CA_FILE, else the state directory's root-cert.pem).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Option } from 'commander';
import { ADMIN_TOKEN_FILE, ROOT_CERT_COPY_FILE } from '../controlplane/auth/files.ts';
import { CliError } from './errors.ts';
import { ExitCode } from './exit-codes.ts';

export const TOKEN_ENV = 'WEFT_TOKEN';
export const JOIN_TOKEN_ENV = 'WEFT_JOIN_TOKEN';
export const CA_FILE_ENV = 'WEFT_CA_FILE';
export const STATE_DIR_ENV = 'WEFT_STATE_DIR';

type Env = Readonly<Record<string, string | undefined>>;

/** What the flags said; each falls back to its environment variable, then to the state directory. */
export interface CredentialFlags {
  readonly token?: string | undefined;
  readonly caFile?: string | undefined;
  readonly stateDir?: string | undefined;
}

/** The control plane's state directory as `weft control-plane` picks it (controlplane/main.ts defaultStateDir): flag, $WEFT_STATE_DIR, $XDG_STATE_HOME/weft, ~/.local/state/weft. */
export function stateDirOf(flag: string | undefined, env: Env): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  if (env[STATE_DIR_ENV]) return resolve(env[STATE_DIR_ENV]);
  const stateHome = env.XDG_STATE_HOME ? env.XDG_STATE_HOME : join(env.HOME ?? homedir(), '.local', 'state');
  return resolve(stateHome, 'weft');
}

/** No credential could be found or read; exit code 7. */
export class CredentialError extends CliError {
  constructor(message: string, hint: string, cause?: unknown) {
    super('WEFT_CLI_NO_CREDENTIAL', message, ExitCode.UNAUTHORIZED, { hint, cause });
  }
}

const ADMIN_HINT = 'run the command as the user that runs `weft control-plane` (point --state-dir / WEFT_STATE_DIR at its state directory), or pass its admin token with --token or WEFT_TOKEN';

/** The admin token in force. */
export async function adminToken(flags: CredentialFlags, env: Env): Promise<string> {
  const given = flags.token ?? (env[TOKEN_ENV] || undefined);
  if (given !== undefined) return given.trim();
  const file = join(stateDirOf(flags.stateDir, env), ADMIN_TOKEN_FILE);
  return (await readCredential(file, 'admin credential', ADMIN_HINT)).trim();
}

/** The PEM roots the control plane's certificate must chain to. */
export async function caPem(flags: CredentialFlags, env: Env): Promise<string> {
  const given = flags.caFile ?? (env[CA_FILE_ENV] || undefined);
  const file = given ?? join(stateDirOf(flags.stateDir, env), ROOT_CERT_COPY_FILE);
  const pem = await readCredential(file, 'mesh root certificate', `give the control plane's root-cert.pem (in its state directory; it is public: copy it) with --ca-file or ${CA_FILE_ENV}`);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new CredentialError(`${file} is not a PEM certificate`, `give the control plane's root-cert.pem with --ca-file or ${CA_FILE_ENV}`);
  return pem;
}

async function readCredential(file: string, what: string, hint: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : `cannot be read (${String(code)})`;
    throw new CredentialError(`no ${what}: ${file} ${why}`, hint, err);
  }
}

/** `--token`: the admin token (on `weft` and every verb that changes or reads config). */
export function adminTokenOption(): Option {
  return new Option('--token <token>', `admin token (default: $${TOKEN_ENV}, else the control plane's state directory)`);
}

/** `--token` of `weft proxy` and `weft run`: the join token. */
export function joinTokenOption(): Option {
  return new Option('--token <token>', `join token for this workload's identity (default: $${JOIN_TOKEN_ENV}; without one, a token is minted with the admin credential when it is readable)`);
}

export function caFileOption(): Option {
  return new Option('--ca-file <file>', `root certificate to verify the control plane with (default: $${CA_FILE_ENV}, else root-cert.pem in its state directory)`);
}

export function stateDirOption(): Option {
  return new Option('--state-dir <dir>', `the control plane's state directory, where the CLI finds its credentials (default: $${STATE_DIR_ENV}, else $XDG_STATE_HOME/weft, else ~/.local/state/weft)`);
}
