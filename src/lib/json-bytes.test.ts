// Tests of JsonBytes: what it writes parses back to what was given (escapes, text beyond ASCII, lone surrogates, numbers around the 1e8 split), across buffer growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonBytes, jsonBytes } from './json-bytes.ts';

const TRICKY = ['', 'plain', 'say "hi"', 'back\\slash', 'tab\there', 'nl\n', '\u0000\u001f', 'del\u007f', 'é', 'ж-путь', '😀', 'lone \ud800 high', 'lone \udc00 low', `${'a'.repeat(300)}"`];

test('string() and member() write JSON that parses back to the same text; lone surrogates stay exact', () => {
  for (const s of TRICKY) {
    const out = jsonBytes(4);
    out.string(s);
    assert.equal(JSON.parse(out.text()), s, JSON.stringify(s));
    const m = jsonBytes(4);
    m.raw('{');
    m.member('"k":', s);
    m.member(',"ключ":', s);
    m.raw('}');
    assert.deepEqual(JSON.parse(m.text()), { k: s, ключ: s }, JSON.stringify(s));
  }
});

test('plain printable ASCII is written as it is, quotes around it', () => {
  const out = jsonBytes();
  out.string('GET /a?b=c');
  out.byte(44);
  out.raw('{"x":1}');
  assert.equal(out.text(), '"GET /a?b=c",{"x":1}');
});

test('number() writes the digits of integers on both sides of 1e8 (low part zero-padded), and anything else as String() does', () => {
  const ints = [0, 7, 10, 99_999_999, 100_000_000, 100_000_001, 1_234_567_800_000_001, 1_764_193_855_123_456, Number.MAX_SAFE_INTEGER];
  for (const n of ints) {
    const out = jsonBytes(1);
    out.number(n);
    assert.equal(out.text(), String(n));
  }
  for (const n of [-1, 1.5, 2 ** 60]) {
    const out = jsonBytes(1);
    out.number(n);
    assert.equal(out.text(), String(n));
  }
});

test('random text and numbers, written into a buffer that keeps growing, read back intact', () => {
  const pool = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0001', 'é', 'ж', '😀', '\ud83d', '/', '{'];
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const out = new JsonBytes(Buffer.alloc(8));
  const want: unknown[] = [];
  out.byte(91);
  for (let i = 0; i < 2000; i++) {
    if (i > 0) out.byte(44);
    if (rand(3) === 0) {
      const n = rand(2 ** 30) * 2 ** rand(23);
      out.number(n);
      want.push(n);
    } else {
      let s = '';
      for (let j = rand(40); j > 0; j--) s += pool[rand(pool.length)]!;
      out.string(s);
      want.push(s);
    }
  }
  out.byte(93);
  assert.deepEqual(JSON.parse(out.text()), want);
  assert.ok(out.buf.length >= out.len && out.buf.length > 8, 'the buffer grew');
});

test('copy() is a buffer of its own', () => {
  const out = jsonBytes();
  out.raw('[1]');
  const c = out.copy();
  out.len = 0;
  out.raw('[2]');
  assert.equal(c.toString('utf8'), '[1]');
});
