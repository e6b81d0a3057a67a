// Golden tests: testdata/<case>/input.yaml compiles to testdata/<case>/golden.yaml; UPDATE_GOLDEN=1 rewrites the goldens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { validateBatch } from '../../api/analyze.ts';
import { compile } from './index.ts';
import { assertWellFormed, compileInputFromYaml } from './test-fixtures.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const HEADER = '# Expected compile() output for input.yaml. Do not edit by hand: rerun the test with UPDATE_GOLDEN=1.\n';

const cases = readdirSync(TESTDATA, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

test('there are golden cases', () => {
  assert.ok(cases.length >= 3, `found ${cases.join(', ')}`);
});

for (const name of cases) {
  test(`golden: ${name}`, () => {
    const dir = join(TESTDATA, name);
    const compiled = compile(compileInputFromYaml(readFileSync(join(dir, 'input.yaml'), 'utf8')));
    assertWellFormed(compiled);
    // A JSON round trip gives the exact shape the proxy receives over the wire.
    const actual: unknown = JSON.parse(JSON.stringify(compiled));
    const goldenPath = join(dir, 'golden.yaml');
    const hint = `testdata/${name}/golden.yaml: if the change is intended, run\n  UPDATE_GOLDEN=1 node_modules/.bin/node --test src/controlplane/compile/golden.test.ts\nand review the diff of the golden file.`;
    if (UPDATE) writeFileSync(goldenPath, HEADER + stringify(actual, { lineWidth: 0 }));
    assert.ok(existsSync(goldenPath), `missing ${hint}`);
    assert.deepEqual(actual, parse(readFileSync(goldenPath, 'utf8')), `compile() output differs from ${hint}`);
  });
}

for (const name of cases) {
  test(`golden: ${name}: its resources pass weft apply's validation, so the case is config a user can write`, () => {
    const text = readFileSync(join(TESTDATA, name, 'input.yaml'), 'utf8');
    const resources = parseAllDocuments(text).filter((d) => (d.toJS() as { kind?: string } | null)?.kind !== undefined);
    const r = validateBatch([{ name: `${name}/input.yaml`, text: resources.map((d) => d.toString()).join('---\n') }], [], 'apply');
    // Some cases route to undefined subsets on purpose (the compiler must cope): Istio accepts that; Weft's apply does not.
    const errors = r.errors.filter((e) => !/is not defined by any DestinationRule/.test(e.message));
    assert.deepEqual(errors.map((e) => `${e.path}: ${e.message}`), []);
  });
}
