import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpiffeId, InvalidSpiffeIdError, mustParseSpiffeId, parseSpiffeId, principalOf, trustDomainProblem } from './spiffe.ts';

test('parses the mesh form and formats it back unchanged', () => {
  const uri = 'spiffe://cluster.local/ns/default/sa/order-service';
  const parsed = parseSpiffeId(uri);
  assert.deepEqual(parsed, { ok: true, id: { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'order-service' } });
  assert.equal(formatSpiffeId(mustParseSpiffeId(uri)), uri);
  assert.equal(formatSpiffeId(mustParseSpiffeId('spiffe://td_1.example/ns/a-1/sa/build.bot-2')), 'spiffe://td_1.example/ns/a-1/sa/build.bot-2');
});

test('principalOf writes the principal as Istio does', () => {
  assert.equal(principalOf({ trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'order-service' }), 'cluster.local/ns/default/sa/order-service');
  assert.equal(principalOf('spiffe://cluster.local/ns/default/sa/x'), 'cluster.local/ns/default/sa/x');
  assert.equal(principalOf('cluster.local/ns/default/sa/x'), 'cluster.local/ns/default/sa/x');
});

test('rejects everything that is not exactly spiffe://td/ns/<label>/sa/<subdomain>', () => {
  const bad = [
    '',
    'https://cluster.local/ns/default/sa/x',
    'SPIFFE://cluster.local/ns/default/sa/x',
    'spiffe://',
    'spiffe://cluster.local',
    'spiffe://cluster.local/',
    'spiffe://Cluster.Local/ns/default/sa/x',
    'spiffe://cluster.local:443/ns/default/sa/x',
    'spiffe://user@cluster.local/ns/default/sa/x',
    'spiffe://cluster.local/ns/default/sa/x/',
    'spiffe://cluster.local/ns/default/sa/x?q=1',
    'spiffe://cluster.local/ns/default/sa/x#f',
    'spiffe://cluster.local/ns//sa/x',
    'spiffe://cluster.local/ns/default/sa/',
    'spiffe://cluster.local/ns/Default/sa/x',
    'spiffe://cluster.local/ns/-default/sa/x',
    'spiffe://cluster.local/ns/default-/sa/x',
    'spiffe://cluster.local/ns/a.b/sa/x',
    'spiffe://cluster.local/ns/default/sa/x..y',
    'spiffe://cluster.local/ns/default/sa/%41',
    'spiffe://cluster.local/sa/x/ns/default',
    'spiffe://cluster.local/ns/default/sa/x/extra/1',
    `spiffe://cluster.local/ns/${'a'.repeat(64)}/sa/x`,
    `spiffe://cluster.local/ns/default/sa/${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`,
    `spiffe://${'a'.repeat(256)}/ns/default/sa/x`,
  ];
  for (const uri of bad) {
    const parsed = parseSpiffeId(uri);
    assert.equal(parsed.ok, false, uri);
    if (!parsed.ok) assert.ok(parsed.reason.length > 0);
  }
  assert.throws(() => mustParseSpiffeId('spiffe://cluster.local/ns/default'), (err: unknown) => err instanceof InvalidSpiffeIdError && err.code === 'WEFT_SPIFFE_ID_INVALID');
  assert.throws(() => formatSpiffeId({ trustDomain: 'cluster.local', namespace: 'a/b', serviceAccount: 'x' }), InvalidSpiffeIdError);
});

test('a non-string never throws', () => {
  assert.equal(parseSpiffeId(42 as unknown as string).ok, false);
});

test('trust domain rules', () => {
  assert.equal(trustDomainProblem('cluster.local'), null);
  assert.equal(trustDomainProblem('my_mesh-1.example.com'), null);
  assert.match(trustDomainProblem('Cluster.local') ?? '', /a-z/);
  assert.notEqual(trustDomainProblem(''), null);
  assert.notEqual(trustDomainProblem('a/b'), null);
});
