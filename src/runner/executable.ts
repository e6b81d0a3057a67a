// Finds the app's executable the way execvp does (a path with "/" as is, else each $PATH entry), so that a typo fails before the sidecar starts.
import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export type ExecutableLookup =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: 'not-found' | 'not-executable'; readonly path?: string };

export async function findExecutable(command: string, pathVar: string | undefined, cwd: string = process.cwd()): Promise<ExecutableLookup> {
  if (command.includes('/')) return check(resolve(cwd, command));
  let notExecutable: string | undefined;
  for (const dir of (pathVar ?? '').split(delimiter)) {
    // An empty PATH entry means the current directory (POSIX).
    const r = await check(join(dir === '' ? cwd : resolve(cwd, dir), command));
    if (r.ok) return r;
    if (r.reason === 'not-executable') notExecutable ??= r.path;
  }
  return notExecutable === undefined ? { ok: false, reason: 'not-found' } : { ok: false, reason: 'not-executable', path: notExecutable };
}

async function check(path: string): Promise<ExecutableLookup> {
  try {
    if (!(await stat(path)).isFile()) return { ok: false, reason: 'not-found' };
  } catch {
    return { ok: false, reason: 'not-found' };
  }
  try {
    await access(path, constants.X_OK);
    return { ok: true, path };
  } catch {
    return { ok: false, reason: 'not-executable', path };
  }
}
