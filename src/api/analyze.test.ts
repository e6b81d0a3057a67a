import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBatch } from './analyze.ts';
import { formatIssue } from './field-issue.ts';
import { show, testdata, yamlOf, ORDER_SUBSETS, virtualService } from './test-support.ts';

test('the issue\'s bad inputs are each rejected with file, line and field path, and nothing is handed out', () => {
  const cases = [
    { file: testdata('virtual-service', 'bad-malformed.yaml'), line: 7, path: '', message: /^malformed YAML: / },
    { file: testdata('virtual-service', 'bad-unknown-field.yaml'), line: 9, path: 'spec.http[0].rout', message: /unknown field "rout" \(did you mean "route"\?\)/ },
    { file: testdata('virtual-service', 'bad-weights-90.yaml'), line: 25, path: 'spec.http[1].route[1].weight', message: /weights must sum to 100, but 80 \+ 10 = 90/ },
    { file: testdata('virtual-service', 'bad-undefined-subset.yaml'), line: 16, path: 'spec.http[0].route[1].destination.subset', message: /subset "v3" is not defined/ },
  ];
  for (const c of cases) {
    const r = validateBatch([c.file], [], 'apply');
    assert.equal(r.ok, false, c.file.name);
    assert.deepEqual(r.resources, [], c.file.name);
    assert.equal(r.errors.length, 1, `${c.file.name}:\n${show(r.errors)}`);
    const [e] = r.errors;
    assert.equal(e!.file, c.file.name);
    assert.equal(e!.line, c.line, c.file.name);
    assert.ok(e!.column > 0);
    assert.equal(e!.path, c.path, c.file.name);
    assert.match(e!.message, c.message);
  }
});

test('errors from several files are sorted by file (in the order given), then line', () => {
  const r = validateBatch([
    testdata('virtual-service', 'bad-weights-90.yaml'),
    { name: 'second.yaml', text: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: b}\nspec:\n  host: b\n  subsets: [{name: "x y"}, {name: x}, {name: x}]\n' },
    testdata('virtual-service', 'bad-unknown-field.yaml'),
  ], [], 'apply');
  const where = r.errors.map((e) => `${e.file}:${e.line}`);
  assert.deepEqual(where, ['bad-weights-90.yaml:25', 'second.yaml:6', 'second.yaml:6', 'bad-unknown-field.yaml:9'], show(r.errors));
  assert.equal(formatIssue(r.errors[0]!), 'bad-weights-90.yaml:25:7: VirtualService/default/order-service spec.http[1].route[1].weight: weights must sum to 100, but 80 + 10 = 90');
});

test('an accepted batch hands out its resources in input order, normalized', () => {
  const r = validateBatch([testdata('virtual-service', 'seed-canary.yaml')], [], 'apply');
  assert.ok(r.ok);
  assert.deepEqual(r.resources.map((x) => `${x.kind}/${x.metadata.namespace}/${x.metadata.name}`), ['VirtualService/default/order-service', 'DestinationRule/default/order-service']);
  assert.deepEqual(r.errors, []);
});

test('one resource twice in one input is an error at the second', () => {
  const r = validateBatch([{ name: 'twice.yaml', text: yamlOf(ORDER_SUBSETS, ORDER_SUBSETS) }], [], 'apply');
  assert.equal(r.ok, false);
  assert.equal(r.errors.length, 1, show(r.errors));
  assert.equal(r.errors[0]!.path, 'metadata.name');
  assert.match(r.errors[0]!.message, /DestinationRule\/default\/order-service is given twice in this input \(first at twice\.yaml:1\)/);
});

test('an input without resources is an error', () => {
  const r = validateBatch([{ name: 'empty.yaml', text: '# nothing\n---\n' }], [], 'apply');
  assert.equal(r.ok, false);
  assert.match(r.errors[0]!.message, /no resources found/);
});

test('a delete reads only the envelope and checks what would be left', () => {
  const stale = { ...virtualService({ hosts: 5 }), metadata: { name: 'order-service' } };
  const r = validateBatch([{ name: 'del.yaml', text: yamlOf(stale) }], [], 'delete');
  assert.ok(r.ok, show(r.errors));
  assert.deepEqual(r.warnings, [], 'deletes draw no field warnings');
  assert.equal(r.resources[0]!.metadata.name, 'order-service');
});

test('Istio\'s own warnings travel with the result without blocking it', () => {
  const vs = virtualService({ hosts: ['order-service'], http: [{ route: [{ destination: { host: 'order-service' } }], mirrorPercent: 10, mirror: { host: 'shadow' } }] });
  const r = validateBatch([{ name: 'w.yaml', text: yamlOf(vs) }], [], 'apply');
  assert.ok(r.ok, show(r.errors));
  assert.ok(r.warnings.some((w) => /deprecated setting "mirrorPercent"/.test(w.message)), show(r.warnings));
});
