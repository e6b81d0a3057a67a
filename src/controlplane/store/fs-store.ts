/**
 * FsStore: the embedded default ResourceStore — one JSON snapshot file in the state directory,
 * rewritten whole and atomically (atomic-file.ts) on every batch, so that a kill -9 at any moment
 * loses nothing applyBatch has resolved, and a batch is all or nothing on disk.
 */
import { join } from 'node:path';
import type { Resource } from '../../api/resource.ts';
import { WeftError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { readFileIfExists, removeTempFiles, writeFileAtomic } from './atomic-file.ts';
import { SnapshotStore, type StoreSnapshot } from './snapshot-store.ts';

export const STORE_FILE = 'resources.json';
const FORMAT = 'weft.resources/v1';

interface StoreFile {
  readonly format: typeof FORMAT;
  readonly revision: number;
  readonly resources: readonly Resource[];
}

export interface FsStoreOptions {
  /** The state directory; it must exist. */
  readonly dir: string;
  readonly logger?: Logger;
}

export class FsStore extends SnapshotStore {
  readonly file: string;

  private constructor(file: string, initial: StoreSnapshot, logger: Logger) {
    super({ initial, logger, persist: (s) => writeFileAtomic(file, serialize(s)) });
    this.file = file;
  }

  static async open(opts: FsStoreOptions): Promise<FsStore> {
    const logger = opts.logger ?? silentLogger;
    const file = join(opts.dir, STORE_FILE);
    // A temp file is a write that never reached its rename: that batch was never acknowledged.
    const stale = await removeTempFiles(file);
    if (stale.length > 0) logger.warn({ files: stale }, 'removed unfinished store writes left by a crash');
    const text = await readFileIfExists(file);
    const initial = text === null ? { revision: 0, resources: [] } : parse(text, file);
    return new FsStore(file, initial, logger);
  }
}

function serialize(s: StoreSnapshot): string {
  const body: StoreFile = { format: FORMAT, revision: s.revision, resources: s.resources };
  return `${JSON.stringify(body, null, 1)}\n`;
}

function parse(text: string, file: string): StoreSnapshot {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw corrupt(file, `it is not valid JSON (${(err as Error).message})`);
  }
  const b = body as Partial<StoreFile> | null;
  if (b === null || typeof b !== 'object' || b.format !== FORMAT) throw corrupt(file, `it does not start with "format": "${FORMAT}"`);
  if (!Number.isSafeInteger(b.revision) || (b.revision as number) < 0) throw corrupt(file, 'its "revision" is not a non-negative integer');
  if (!Array.isArray(b.resources) || !b.resources.every(isResourceShaped)) throw corrupt(file, '"resources" is not a list of resources');
  return { revision: b.revision as number, resources: b.resources };
}

function isResourceShaped(r: unknown): r is Resource {
  const x = r as Partial<Resource> | null;
  return x !== null && typeof x === 'object' && typeof x.kind === 'string' && typeof x.apiVersion === 'string'
    && typeof x.metadata?.name === 'string' && typeof x.metadata.namespace === 'string';
}

function corrupt(file: string, why: string): WeftError {
  return new WeftError('WEFT_STORE_CORRUPT', `cannot load the stored configuration from ${file}: ${why}. Weft never writes such a file itself; restore it from a backup or move it away to start with an empty store.`);
}
