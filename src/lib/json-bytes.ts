/**
 * JsonBytes: JSON text written straight into a growable byte buffer, piece by piece, for bodies
 * written by hand on the request path (span batches). Written by hand, not as strings joined and
 * then encoded: at 100 % sampling a sidecar writes every request's span, and building a span's
 * text as a string (dozens of concatenations), testing its values for characters to escape with a
 * regular expression, turning its numbers into strings and then flattening and encoding the whole
 * were most of what a span cost (perf of the benchmark's sidecars, docs/observability.md). Here
 * the text's ASCII is copied one char code at a time, the escape check rides on that copy, and
 * numbers are written as digits.
 *
 * A value that is not plain printable ASCII (a quote, a backslash, a control character, anything
 * above U+007E) takes the slow path: JSON.stringify, then Buffer.write in UTF-8. Characters above
 * U+007F go out as UTF-8, a lone surrogate as its \u escape (so it parses back exactly).
 */
export class JsonBytes {
  buf: Buffer;
  /** Bytes written so far, from buf[0]. */
  len = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** Makes room for `n` more bytes: a buffer twice as large (or as large as needed), the bytes so far copied. */
  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  /** One ASCII byte (JSON punctuation). */
  byte(c: number): void {
    if (this.len >= this.buf.length) this.room(1);
    this.buf[this.len++] = c;
  }

  /** Text that is JSON already (punctuation, names, hex ids, escaped literals) as it is. */
  raw(s: string): void {
    const n = s.length;
    if (this.len + n > this.buf.length) this.room(n);
    const buf = this.buf;
    let p = this.len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        this.#utf8(s);
        return;
      }
      buf[p++] = c;
    }
    this.len = p;
  }

  /** `s` as a JSON string literal, quotes included. */
  string(s: string): void {
    const n = s.length;
    if (this.len + n + 2 > this.buf.length) this.room(n + 2);
    const buf = this.buf;
    let p = this.len;
    buf[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // A quote, a backslash, a control character, DEL or beyond ASCII: the slow path.
      if (c < 32 || c === 34 || c === 92 || c > 126) {
        this.#utf8(JSON.stringify(s));
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = 34;
    this.len = p;
  }

  /**
   * JSON text as it is, then `value` as a JSON string literal: an object member or list item whose
   * start (`,"key":`) was escaped once.
   */
  member(start: string, value: string): void {
    this.raw(start);
    this.string(value);
  }

  /** A number as JSON: the digits of a non-negative safe integer written directly, anything else as String() writes it. */
  number(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n)) {
      this.raw(String(n));
      return;
    }
    // Microseconds since the epoch have 16 digits, past 32-bit integers: the low 8 digits and the
    // rest are written apart, each with 32-bit integer arithmetic (a double's % and / are slow).
    if (n < 1e8) {
      this.#digits(n, 0);
      return;
    }
    const high = Math.floor(n / 1e8);
    this.#digits(high, 0);
    this.#digits(n - high * 1e8, 8);
  }

  /** The digits of `n` (< 1e9), left-padded with zeros to `width`. */
  #digits(n: number, width: number): void {
    let v = n | 0;
    let count = 1;
    for (let m = v; m >= 10; m = (m / 10) | 0) count++;
    if (count < width) count = width;
    if (this.len + count > this.buf.length) this.room(count);
    const buf = this.buf;
    let p = this.len + count;
    for (let i = 0; i < count; i++) {
      const q = (v / 10) | 0;
      buf[--p] = 48 + v - q * 10;
      v = q;
    }
    this.len += count;
  }

  /** Bytes as they are (a fragment encoded once). */
  bytes(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** What was written, as text. */
  text(): string {
    return this.buf.toString('utf8', 0, this.len);
  }

  /** A copy of what was written, in a buffer of its own. */
  copy(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }

  #utf8(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.room(3 * text.length);
    this.len += this.buf.write(text, this.len, 'utf8');
  }
}

/** A JsonBytes on a fresh buffer of `size` bytes (it grows as needed). */
export function jsonBytes(size = 256): JsonBytes {
  return new JsonBytes(Buffer.allocUnsafeSlow(size));
}
