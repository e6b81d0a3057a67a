// AbortHandle behaves as AbortController + AbortSignal do for what attempts use: abort once, listeners once and in order, removal, late listeners ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortHandle, type AttemptSignal } from './abort-handle.ts';

test('abort sets aborted and reason before the listener runs, once', () => {
  const h = new AbortHandle();
  const seen: unknown[] = [];
  h.addEventListener('abort', () => seen.push([h.aborted, h.reason]));
  assert.equal(h.aborted, false);
  assert.doesNotThrow(() => h.throwIfAborted());
  const reason = new Error('timeout');
  h.abort(reason);
  h.abort(new Error('second'));
  assert.deepEqual(seen, [[true, reason]]);
  assert.equal(h.reason, reason);
  assert.throws(() => h.throwIfAborted(), (e) => e === reason);
});

test('a removed listener is not called; the slot can be reused', () => {
  const h = new AbortHandle();
  const calls: string[] = [];
  const a = (): void => { calls.push('a'); };
  const b = (): void => { calls.push('b'); };
  h.addEventListener('abort', a, { once: true });
  h.removeEventListener('abort', a);
  h.addEventListener('abort', b, { once: true });
  h.abort(new Error('x'));
  assert.deepEqual(calls, ['b']);
});

test('several listeners run in the order added; adding one twice calls it once', () => {
  const h = new AbortHandle();
  const calls: string[] = [];
  const a = (): void => { calls.push('a'); };
  const b = (): void => { calls.push('b'); };
  const c = (): void => { calls.push('c'); };
  h.addEventListener('abort', a);
  h.addEventListener('abort', b);
  h.addEventListener('abort', b);
  h.removeEventListener('abort', a);
  h.addEventListener('abort', c);
  h.abort(new Error('x'));
  assert.deepEqual(calls, ['b', 'c']);
});

test('a listener added after the abort is not called, as with AbortSignal', () => {
  const h = new AbortHandle();
  h.abort(new Error('x'));
  let called = false;
  h.addEventListener('abort', () => { called = true; });
  const ctrl = new AbortController();
  ctrl.abort(new Error('x'));
  let calledNative = false;
  ctrl.signal.addEventListener('abort', () => { calledNative = true; });
  assert.equal(called, calledNative);
  assert.equal(called, false);
});

test('the handle is its own signal, and an AbortSignal is an AttemptSignal too', () => {
  const h = new AbortHandle();
  assert.equal(h.signal, h);
  const native: AttemptSignal = new AbortController().signal;
  assert.equal(native.aborted, false);
});
