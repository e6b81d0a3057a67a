// Error codes are a documented contract (STYLE.md rule 6): every WEFT_* code raised in src/ is in
// docs/errors.md, and every code documented there is raised somewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
/** Environment variables share the prefix but are not error codes. */
const ENV_VARS = new Set(['WEFT_CONTROL_PLANE', 'WEFT_STATE_DIR', 'WEFT_LOG_LEVEL', 'WEFT_TOKEN', 'WEFT_JOIN_TOKEN', 'WEFT_CA_FILE']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

test('every WEFT_* code in the source is documented in docs/errors.md, and vice versa', () => {
  const inSource = new Set<string>();
  for (const f of sourceFiles(join(root, 'src'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/'(WEFT_[A-Z0-9_]+)'/g)) if (!ENV_VARS.has(m[1]!)) inSource.add(m[1]!);
  }
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  const inDoc = new Set([...doc.matchAll(/^\| `(WEFT_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
  const undocumented = [...inSource].filter((c) => !inDoc.has(c)).sort();
  const stale = [...inDoc].filter((c) => !inSource.has(c)).sort();
  assert.deepEqual(undocumented, [], `codes raised but not in docs/errors.md: ${undocumented.join(', ')}`);
  assert.deepEqual(stale, [], `codes in docs/errors.md that nothing raises: ${stale.join(', ')}`);
  assert.ok(inSource.size > 30);
});
