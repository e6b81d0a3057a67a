// Property-based tests (fast-check) of the YAML loader: random text and mutated real configs always come back as resources or as errors that carry a file, a line and a column inside the text, never as an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { loadSources } from './load.ts';

/** Bounded so that the whole file runs in a few seconds on a loaded machine. */
const RUNS = 300;
const FILE = 'fuzz.yaml';

const SEEDS = [
  new URL('./kinds/virtual-service/testdata/seed-canary.yaml', import.meta.url),
  new URL('./kinds/virtual-service/testdata/seed-retry.yaml', import.meta.url),
  new URL('./kinds/destination-rule/testdata/seed-circuit-breaker.yaml', import.meta.url),
  new URL('./kinds/envoy-filter/testdata/seed-rate-limit.yaml', import.meta.url),
].map((u) => readFileSync(u, 'utf8'));

/** Loads `text`; fails the property when it throws, or when an error does not point into the text. */
function loadChecked(text: string): void {
  const r = loadSources([{ name: FILE, text }]);
  const lines = text.split('\n').length;
  for (const e of [...r.errors, ...r.warnings]) {
    assert.equal(e.file, FILE);
    assert.equal(typeof e.message, 'string');
    assert.ok(e.message.length > 0, 'an error says something');
    assert.ok(Number.isInteger(e.line) && e.line >= 0 && e.line <= lines + 1, `line ${e.line} of ${lines}`);
    assert.ok(Number.isInteger(e.column) && e.column >= 0, `column ${e.column}`);
  }
  for (const x of r.resources) {
    assert.equal(typeof x.resource.kind, 'string');
    assert.equal(typeof x.resource.metadata.name, 'string');
  }
}

test('random text: resources or positioned errors, never an exception', () => {
  fc.assert(fc.property(fc.string({ maxLength: 400 }), loadChecked), { numRuns: RUNS });
});

test('YAML-shaped noise (anchors, aliases, tags, flow and block syntax): same', () => {
  const piece = fc.constantFrom(
    'apiVersion: networking.istio.io/v1\n', 'kind: VirtualService\n', 'kind: DestinationRule\n', 'kind: List\n', 'metadata:\n', '  name: x\n',
    'spec:\n', '  hosts: [a]\n', '---\n', '- ', '  ', ': ', '&a ', '*a ', '!!binary ', '!!str ', '<<: *a\n', '{', '}', '[', ']', ',', '"', "'", '#', '|\n', '>\n',
    '\t', '\n', 'null', '~', '1e999', '0x10', '.inf', 'true', '? ', '%YAML 1.2\n', '...\n', 'items:\n', 'weight: 90\n', '\u0000', '\ufeff',
  );
  fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => loadChecked(pieces.join(''))), { numRuns: RUNS });
});

test('mutated seed configs: same', () => {
  const mutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('delete', 'insert', 'replace', 'dup-line', 'drop-line', 'indent'), text: fc.constantFrom(' ', '\n', ':', '-', '{', '[', '"', '&x', '*x', '\t', 'null', '9999999999999999999999', '---\n', '') });
  fc.assert(
    fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 5 }), (seed, mutations) => {
      let text = seed;
      for (const m of mutations) {
        const at = m.at % (text.length + 1);
        const lineStart = text.lastIndexOf('\n', at - 1) + 1;
        const lineEnd = text.indexOf('\n', at) === -1 ? text.length : text.indexOf('\n', at) + 1;
        if (m.kind === 'delete') text = text.slice(0, at) + text.slice(at + 1);
        else if (m.kind === 'insert') text = text.slice(0, at) + m.text + text.slice(at);
        else if (m.kind === 'replace') text = text.slice(0, at) + m.text + text.slice(at + m.text.length);
        else if (m.kind === 'dup-line') text = text.slice(0, lineEnd) + text.slice(lineStart, lineEnd) + text.slice(lineEnd);
        else if (m.kind === 'drop-line') text = text.slice(0, lineStart) + text.slice(lineEnd);
        else text = `${text.slice(0, lineStart)}  ${text.slice(lineStart)}`;
      }
      loadChecked(text);
    }),
    { numRuns: RUNS },
  );
});

test('unmutated seeds load without errors (the mutations start from valid input)', () => {
  for (const seed of SEEDS) assert.deepEqual(loadSources([{ name: FILE, text: seed }]).errors, []);
});

test('a billion-laughs alias bomb is an error, not a hang or a crash', () => {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const text = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bomb}\nspec:\n  ${levels.join('\n  ')}\n`;
  const start = performance.now();
  const r = loadSources([{ name: FILE, text }]);
  assert.ok(r.errors.length > 0);
  assert.ok(performance.now() - start < 2_000, 'bounded time');
});
