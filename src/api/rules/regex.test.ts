import { test } from 'node:test';
import assert from 'node:assert/strict';
import { re2ToJs, regexError } from './regex.ts';

const matches = (re: string, s: string): boolean => {
  const { source, flags } = re2ToJs(re);
  return new RegExp(`^(?:${source})$`, flags).test(s);
};

test('RE2 spellings are translated to the same meaning in JavaScript', () => {
  assert.ok(matches('(?i)bearer .*', 'Bearer xyz'));
  assert.ok(matches('/users/(?P<id>[0-9]+)', '/users/42'));
  assert.ok(matches('[[:alpha:]][[:digit:]]+', 'v12'));
  assert.ok(!matches('[[:alpha:]]+', 'a:b'), 'a POSIX class is a class, not the characters ":alph"');
  assert.ok(matches('\\Qa.b*c\\E', 'a.b*c'));
  assert.ok(!matches('\\Qa.b\\E', 'axb'));
  assert.ok(matches('\\Astart', 'start'));
});

test('patterns that are not RE2, or do not compile, are errors naming the field', () => {
  assert.equal(regexError('^/api/v[0-9]+/.*', 'uri'), null);
  assert.match(regexError('(?=a)b', 'uri') ?? '', /^"uri": lookahead and lookbehind are not RE2/);
  assert.match(regexError('(a)\\1', 'headers') ?? '', /backreferences are not RE2/);
  assert.match(regexError('a(', 'uri') ?? '', /^"uri": .*RE2 syntax/);
  assert.match(regexError('[[:nope:]]', 'uri') ?? '', /invalid character class/);
  assert.match(regexError('(?U)a+', 'uri') ?? '', /ungreedy/);
  assert.match(regexError('', 'uri') ?? '', /should not be empty/);
  assert.match(regexError('a'.repeat(1025), 'uri') ?? '', /too large/);
});
