/** WeftError: the base of every error Weft raises on purpose, with a stable WEFT_* code (docs/errors.md lists them all). */

export class WeftError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `err` or anything on its `cause` chain is an instance of `klass`. */
export function isCausedBy<T>(err: unknown, klass: abstract new (...args: never[]) => T): T | null {
  let cur: unknown = err;
  for (let depth = 0; cur != null && depth < 16; depth++) {
    if (cur instanceof klass) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

/** Message of an unknown thrown value, for logs and NACK reasons. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
