// Reads what `-f` names (files, directories of *.yaml/*.yml/*.json sorted by name, or `-` for stdin) into SourceTexts, keeping the names errors cite.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceText } from '../controlplane/http-api/types.ts';
import { SourceReadError, UsageError } from './errors.ts';

const CONFIG_FILE = /\.(ya?ml|json)$/i;

export async function readSources(paths: readonly string[], stdin: NodeJS.ReadableStream): Promise<SourceText[]> {
  if (paths.length === 0) throw new UsageError('no input: give at least one -f FILE, -f DIR or -f -');
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('-f - (stdin) may be given only once');
  const out: SourceText[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ name: '-', text: await readAll(stdin) });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (err) {
      throw new SourceReadError(`cannot read ${p}: ${describe(err)}`, err);
    }
    if (!isDir) {
      out.push({ name: p, text: await readText(p) });
      continue;
    }
    const names = (await readdir(p)).filter((n) => CONFIG_FILE.test(n)).sort();
    if (names.length === 0) throw new SourceReadError(`${p} holds no *.yaml, *.yml or *.json file`);
    for (const n of names) {
      const file = join(p, n);
      if ((await stat(file)).isFile()) out.push({ name: file, text: await readText(file) });
    }
  }
  return out;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new SourceReadError(`cannot read ${file}: ${describe(err)}`, err);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}
