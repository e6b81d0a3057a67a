/**
 * Crash-safe whole-file replacement: write a temp file beside the target, fsync it, rename it over
 * the target, fsync the directory. After a crash at any point the target holds either the old or
 * the new content, never a mix; a leftover temp file is garbage that `removeTempFiles` clears.
 */
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TMP_SUFFIX = '.tmp';
let counter = 0;

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${++counter}${TMP_SUFFIX}`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path));
}

/** Makes a rename or creation inside `dir` durable (POSIX needs the directory itself synced). */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The file's text, or null when it does not exist. */
export async function readFileIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Deletes temp files that a crashed writer of `path` left behind; returns their names. */
export async function removeTempFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (name.startsWith(prefix) && name.endsWith(TMP_SUFFIX)) {
      await unlink(join(dir, name)).catch(() => undefined);
      removed.push(name);
    }
  }
  return removed;
}
