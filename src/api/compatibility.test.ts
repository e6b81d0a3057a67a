import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fieldPatterns, fieldStatusTable } from './field-status.ts';
import { KINDS } from './kinds/index.ts';

const DOC = readFileSync(new URL('../../docs/compatibility.md', import.meta.url), 'utf8');

/** The rows of the table in the "## <kind>" section: field pattern → status. */
function documented(kind: string): Map<string, string> {
  const start = DOC.indexOf(`\n## ${kind}\n`);
  assert.ok(start >= 0, `docs/compatibility.md has no "## ${kind}" section`);
  const end = DOC.indexOf('\n## ', start + 1);
  const section = DOC.slice(start, end < 0 ? undefined : end);
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \| (\w+) \| (.*) \|$/.exec(line);
    if (m === null) continue;
    assert.ok(!rows.has(m[1]!), `${kind}: ${m[1]} is listed twice`);
    assert.ok(m[3]!.trim().length > 0, `${kind}: ${m[1]} has no note`);
    rows.set(m[1]!, m[2]!);
  }
  return rows;
}

for (const def of KINDS) {
  test(`docs/compatibility.md lists every ${def.kind} field with the status the code gives it, and nothing else`, () => {
    const doc = documented(def.kind);
    const code = fieldStatusTable(def);
    const missing = [...code.keys()].filter((p) => !doc.has(p));
    const extra = [...doc.keys()].filter((p) => !code.has(p));
    assert.deepEqual(missing, [], `fields missing from docs/compatibility.md (${def.kind})`);
    assert.deepEqual(extra, [], `fields in docs/compatibility.md that ${def.kind}'s schema does not have`);
    for (const [pattern, status] of code) assert.equal(doc.get(pattern), status, `${def.kind} ${pattern}`);
  });

  test(`every leaf field of the ${def.kind} schema has a status`, () => {
    const leaves = fieldPatterns(def);
    // PeerAuthentication has three leaf fields; fewer would mean the schema walk lost some.
    assert.ok(leaves.length >= 3, `${def.kind} has ${leaves.length} leaf fields`);
    const table = fieldStatusTable(def);
    for (const leaf of leaves) assert.ok(['enforced', 'accepted', 'rejected'].includes(table.get(leaf) ?? ''), leaf);
    assert.equal(table.size, leaves.length, 'leaf patterns are unique');
  });
}

test('the documented apiVersions are the registered ones', () => {
  for (const def of KINDS) {
    for (const v of def.versions) assert.ok(DOC.includes(`\`${def.group}/${v}\``), `${def.kind} ${v}`);
  }
});
