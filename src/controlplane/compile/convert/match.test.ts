// Tests of the HTTPMatchRequest → RouteMatch converter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertMatch, convertStringMatch } from './match.ts';

test('StringMatch: exact, prefix and regex keep their kind and value', () => {
  assert.deepEqual(convertStringMatch({ exact: '/a' }), { kind: 'exact', value: '/a' });
  assert.deepEqual(convertStringMatch({ prefix: '/api/' }), { kind: 'prefix', value: '/api/' });
  assert.deepEqual(convertStringMatch({ regex: '/u/[0-9]+' }), { kind: 'regex', value: '/u/[0-9]+' });
  assert.equal(convertStringMatch({}), undefined);
});

test('uri, method, authority and scheme become RouteMatch fields; an empty {} constrains nothing', () => {
  assert.deepEqual(
    convertMatch({ uri: { prefix: '/orders' }, method: { exact: 'GET' }, authority: { regex: 'shop\\..*' }, scheme: { exact: 'http' } }),
    {
      uri: { kind: 'prefix', value: '/orders' },
      method: { kind: 'exact', value: 'GET' },
      authority: { kind: 'regex', value: 'shop\\..*' },
      scheme: { kind: 'exact', value: 'http' },
    },
  );
  assert.deepEqual(convertMatch({ uri: {} }), {});
  assert.deepEqual(convertMatch({}), {});
});

test('header names are lower-cased; {} means present; withoutHeaders are inverted', () => {
  assert.deepEqual(
    convertMatch({ headers: { 'User-Type': { exact: 'beta' }, 'X-Debug': {} }, withoutHeaders: { 'X-Canary': { prefix: 'no' } } }),
    {
      headers: [
        { name: 'user-type', match: { kind: 'exact', value: 'beta' }, invert: false },
        { name: 'x-canary', match: { kind: 'prefix', value: 'no' }, invert: true },
        { name: 'x-debug', match: { kind: 'present' }, invert: false },
      ],
    },
  );
});

test('a header in both headers and withoutHeaders yields two matches, the plain one first', () => {
  const m = convertMatch({ withoutHeaders: { 'x-a': { exact: 'off' } }, headers: { 'x-a': {} } });
  assert.deepEqual(m.headers?.map((h) => [h.name, h.invert]), [['x-a', false], ['x-a', true]]);
});

test('an empty prefix on a header means present, as Istio turns it into present_match', () => {
  assert.deepEqual(convertMatch({ headers: { cookie: { prefix: '' } } }).headers, [{ name: 'cookie', match: { kind: 'present' }, invert: false }]);
});

test('queryParams keep their case, are sorted by name, and {} means present', () => {
  assert.deepEqual(convertMatch({ queryParams: { b: { exact: '1' }, A: {}, c: { regex: '[0-9]+' } } }).queryParams, [
    { name: 'A', match: { kind: 'present' } },
    { name: 'b', match: { kind: 'exact', value: '1' } },
    { name: 'c', match: { kind: 'regex', value: '[0-9]+' } },
  ]);
});

test('ignoreUriCase is carried only when true', () => {
  assert.deepEqual(convertMatch({ uri: { exact: '/A' }, ignoreUriCase: true }), { uri: { kind: 'exact', value: '/A' }, ignoreUriCase: true });
  assert.deepEqual(convertMatch({ uri: { exact: '/A' }, ignoreUriCase: false }), { uri: { kind: 'exact', value: '/A' } });
});

test('proxy-side conditions (port, sourceLabels, gateways, sourceNamespace) and names never reach the RouteMatch', () => {
  assert.deepEqual(
    convertMatch({ name: 'm', port: 8080, sourceLabels: { app: 'a' }, gateways: ['mesh'], sourceNamespace: 'x', statPrefix: 's' }),
    {},
  );
});

test('RE2 regexes are rewritten into the JavaScript the proxy compiles, with the same meaning', () => {
  assert.deepEqual(convertStringMatch({ regex: '[[:alpha:]]+' }), { kind: 'regex', value: '[A-Za-z]+' });
  assert.deepEqual(convertStringMatch({ regex: '(?i)/users/.*' }), { kind: 'regex', value: '(?i:/users/.*)' });
  assert.deepEqual(convertStringMatch({ regex: '(?P<id>\\d+)' }), { kind: 'regex', value: '(?<id>\\d+)' });
  const re = new RegExp(`^(?:${(convertStringMatch({ regex: '(?i)/Users/[[:digit:]]+' }) as { value: string }).value})$`);
  assert.ok(re.test('/USERS/42'));
  assert.ok(!re.test('/users/x'));
});
