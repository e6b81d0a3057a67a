// Random trace and span ids (W3C sizes, lower-case hex) from a pooled buffer: one getRandomValues call per 256 ids, not one per id.
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** The all-zero id of each size, in hex. */
const ZEROS: Record<number, string> = { 8: '0'.repeat(16), 16: '0'.repeat(32) };

function take(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  // An all-zero id is invalid (W3C §3.2.2.3/4); the odds are 2^-64, but never send one.
  return hex === ZEROS[bytes] ? take(bytes) : hex;
}

/** 32 hex digits. */
export function newTraceId(): string {
  return take(16);
}

/** 16 hex digits. */
export function newSpanId(): string {
  return take(8);
}
