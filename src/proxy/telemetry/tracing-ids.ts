// Random trace and span ids (W3C sizes, lower-case hex) cut from a pooled hex string: one getRandomValues call and one hex encoding per 256 ids, not one of each per id.
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
/** The pool in hex, two digits per byte; ids are slices of it (V8 makes those without copying). */
let hex = '';
let offset = POOL_BYTES;

/** The all-zero id of each size, in hex. */
const ZEROS: Record<number, string> = { 8: '0'.repeat(16), 16: '0'.repeat(32) };

function take(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    hex = pool.toString('hex');
    offset = 0;
  }
  const id = hex.slice(2 * offset, 2 * (offset + bytes));
  offset += bytes;
  // An all-zero id is invalid (W3C §3.2.2.3/4); the odds are 2^-64, but never send one.
  return id === ZEROS[bytes] ? take(bytes) : id;
}

/** 32 hex digits. */
export function newTraceId(): string {
  return take(16);
}

/** 16 hex digits. */
export function newSpanId(): string {
  return take(8);
}
