/**
 * One control plane per state directory: a lock file holding the owner's pid, taken with O_EXCL.
 * A lock whose pid is no longer alive (the owner was killed) is stale and taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { WeftError } from '../../lib/errors.ts';

export const LOCK_FILE = 'lock';

export interface StateLock {
  readonly file: string;
  release(): Promise<void>;
}

export async function lockStateDir(dir: string): Promise<StateLock> {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(`${process.pid}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      let released = false;
      return {
        file,
        release: async () => {
          if (released) return;
          released = true;
          await unlink(file).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new WeftError('WEFT_STATE_DIR_LOCKED', `the state directory ${dir} is in use by another control plane (pid ${owner}); stop that one, or give this one its own --state-dir`);
    }
    await unlink(file).catch(() => undefined);
  }
  throw new WeftError('WEFT_STATE_DIR_LOCKED', `could not lock the state directory ${dir}: another process keeps taking ${file}; make sure only one control plane uses it`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
