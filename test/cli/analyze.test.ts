// `weft analyze` as a real process: exit 0 for valid input, 1 with located errors otherwise; local without a control plane, against the stored config with one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { CANARY, FIXTURES, nothingThere, startTestControlPlane, weft, type TestControlPlane } from './harness.ts';

const fx = (name: string): string => join(FIXTURES, name);

test('the seed\'s canary is valid: exit 0, nothing on stderr', async () => {
  const r = await weft(['analyze', '--local', '-f', CANARY]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /✔ No validation issues found in .*canary\.yaml \(checked on its own\)/);
  assert.equal(r.stderr, '');
});

test('stdin and several files at once', async () => {
  const r = await weft(['analyze', '--local', '-f', '-', '-f', fx('dr-only.yaml')], { input: await readFile(CANARY, 'utf8') });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /No validation issues found in 2 files/);
});

test('bad input: exit 1, each error with file:line:col and the field path', async () => {
  const cases: [string, RegExp][] = [
    ['bad-weights.yaml', /^error: .*bad-weights\.yaml:18:7 spec\.http\[0\]\.route\[1\]\.weight: weights must sum to 100, but 80 \+ 10 = 90$/m],
    ['unknown-field.yaml', /^error: .*unknown-field\.yaml:9:5 spec\.http\[0\]\.rout: unknown field "rout" \(did you mean "route"\?\)$/m],
    ['malformed.yaml', /^error: .*malformed\.yaml:\d+:\d+: malformed YAML/m],
    ['vs-only.yaml', /^error: .*vs-only\.yaml:13:9 spec\.http\[0\]\.route\[0\]\.destination\.subset: subset "v1" is not defined/m],
  ];
  for (const [file, expected] of cases) {
    const r = await weft(['analyze', '--local', '-f', fx(file)]);
    assert.equal(r.code, 1, `${file}\n${r.stderr}`);
    assert.match(r.stderr, expected, file);
    assert.match(r.stderr, /^error: \d+ errors? in .*: fix (it|them) before `weft apply`$/m, file);
    assert.equal(r.stdout, '', file);
  }
});

test('a field accepted but not yet enforced is a warning, not an error', async () => {
  const r = await weft(['analyze', '--local', '-f', fx('with-cors.yaml')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Warning: .*with-cors\.yaml:13 spec\.http\[0\]\.corsPolicy: .*accepted but not yet enforced/m);
});

test('a file that does not exist: exit 1 and what to check', async () => {
  const r = await weft(['analyze', '--local', '-f', fx('nope.yaml')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: cannot read .*nope\.yaml: no such file or directory$/m);
});

test('without a control plane it says so and checks the files on their own', async () => {
  const dead = await nothingThere();
  const r = await weft(['analyze', '-f', CANARY], { env: { WEFT_CONTROL_PLANE: dead } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes(`note: no control plane at ${dead}; checking the files on their own`), r.stderr);
});

let tcp: TestControlPlane;
before(async () => { tcp = await startTestControlPlane(); });
after(async () => { await tcp.close(); });

test('with a control plane, files are checked together with the stored config', async () => {
  const applied = await weft(['--control-plane', tcp.url, 'apply', '-f', fx('dr-only.yaml')]);
  assert.equal(applied.code, 0, applied.stderr);
  // The VirtualService uses subsets only the stored DestinationRule defines.
  const remote = await weft(['analyze', '-f', fx('vs-only.yaml')], { env: { WEFT_CONTROL_PLANE: tcp.url } });
  assert.equal(remote.code, 0, remote.stderr);
  assert.match(remote.stdout, new RegExp(`checked with the config stored at ${tcp.url.replace(/[.]/g, '\\.')}`));
  const local = await weft(['analyze', '--local', '-f', fx('vs-only.yaml')], { env: { WEFT_CONTROL_PLANE: tcp.url } });
  assert.equal(local.code, 1);
  // Analyze changed nothing.
  const vs = await weft(['get', 'vs', '--control-plane', tcp.url]);
  assert.equal(vs.code, 0);
  assert.match(vs.stderr, /No resources found in default namespace/);
});
