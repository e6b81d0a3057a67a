// Printing: kubectl tables, result lines, located errors and warnings, ages, YAML/JSON envelopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { formatAge, formatError, formatResult, formatTable, formatWarning, shortList, toJson, toYamlDocuments } from './output.ts';

test('tables: three spaces between padded columns, no trailing blanks', () => {
  const t = formatTable(['NAME', 'HOSTS'], [['order-service', '["order-service"]'], ['x', '']]);
  assert.equal(t, 'NAME            HOSTS\norder-service   ["order-service"]\nx');
  assert.equal(formatTable(['A', 'B'], []), 'A   B');
});

test('errors name file:line:col and the field path; warnings leave the column out', () => {
  const issue = { file: 'canary.yaml', line: 23, column: 15, path: 'spec.http[1].route[1].weight', message: 'weights must sum to 100, but 80 + 10 = 90' };
  assert.equal(formatError(issue), 'error: canary.yaml:23:15 spec.http[1].route[1].weight: weights must sum to 100, but 80 + 10 = 90');
  assert.equal(formatWarning({ ...issue, message: 'accepted but not yet enforced' }), 'Warning: canary.yaml:23 spec.http[1].route[1].weight: accepted but not yet enforced');
  assert.equal(formatError({ file: 'a.yaml, b.yaml', line: 0, column: 0, path: '', message: 'no resources found' }), 'error: a.yaml, b.yaml: no resources found');
  assert.equal(formatError({ file: '-', line: 3, column: 0, path: 'kind', message: 'unknown kind' }), 'error: -:3 kind: unknown kind');
});

test('result lines as kubectl prints them', () => {
  const r = { kind: 'VirtualService', namespace: 'default', name: 'order-service' } as const;
  assert.equal(formatResult({ ...r, action: 'created' }), 'virtualservice.networking.istio.io/order-service created');
  assert.equal(formatResult({ ...r, action: 'configured' }), 'virtualservice.networking.istio.io/order-service configured');
  assert.equal(formatResult({ ...r, action: 'unchanged' }), 'virtualservice.networking.istio.io/order-service unchanged');
  assert.equal(formatResult({ ...r, kind: 'DestinationRule', action: 'deleted' }), 'destinationrule.networking.istio.io "order-service" deleted');
});

test('ages', () => {
  assert.equal(formatAge(0), '0s');
  assert.equal(formatAge(-5000), '0s');
  assert.equal(formatAge(42_900), '42s');
  assert.equal(formatAge(7 * 60_000), '7m');
  assert.equal(formatAge(3 * 3_600_000), '3h');
  assert.equal(formatAge(50 * 3_600_000), '2d');
});

test('YAML lists are re-appliable multi-document streams; JSON uses the List envelope', async () => {
  const a = { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'a', namespace: 'default' }, spec: { hosts: ['a'] } };
  const b = { ...a, metadata: { name: 'b', namespace: 'default' } };
  const docs = parseAllDocuments(await toYamlDocuments([a, b]));
  assert.ok(Array.isArray(docs));
  assert.deepEqual(docs.map((d) => d.toJS()), [a, b]);
  assert.deepEqual(JSON.parse(toJson([a], true)), a);
  assert.deepEqual(JSON.parse(toJson([a, b], false)), { apiVersion: 'v1', kind: 'List', items: [a, b] });
});

test('short lists', () => {
  assert.equal(shortList([]), '<none>');
  assert.equal(shortList(['v1', 'v2']), 'v1,v2');
  assert.equal(shortList(['a', 'b', 'c', 'd', 'e'], 3), 'a,b,c,+2 more');
});
