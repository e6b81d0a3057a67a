// `weft demo` end to end as a real process: the canary's split shows both versions, and however it ends, no process it started is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { startWeft, type WeftProcess } from '../cli/harness.ts';

/** Pids of live processes whose environment carries `marker` (everything the demo started inherits it). */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.includes(marker)) found.push(Number(entry));
  }
  return found;
}

/** Starts the demo in its own process group, killed whole if the test fails half way. */
function startDemo(args: string[], marker: string, t: { after: (fn: () => void) => void }): WeftProcess {
  const demo = startWeft(['demo', ...args], { env: { WEFT_E2E_MARKER: marker }, detached: true });
  t.after(() => {
    try { process.kill(-demo.child.pid!, 'SIGKILL'); } catch { /* already gone */ }
  });
  return demo;
}

test('weft demo --duration 8: exit 0, both versions answer, beta users get v2, nothing left running', { timeout: 180_000 }, async (t) => {
  const marker = `weft-e2e-${randomUUID()}`;
  const demo = startDemo(['--duration', '8'], marker, t);
  const r = await demo.done;
  assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stdout, /✓ control plane on https:\/\/127\.0\.0\.1:\d+/);
  for (const w of ['api-gateway v1', 'order-service v1', 'order-service v2', 'user-service v1', 'user-service v2', 'payment-service v1']) {
    assert.match(r.stdout, new RegExp(`✓ ${w} ready`), w);
  }
  assert.match(r.stdout, /virtualservice\.networking\.istio\.io\/order-service created/);
  assert.match(r.stdout, /destinationrule\.networking\.istio\.io\/order-service created/);
  const normal = /normal requests\s+v1\s+\S+\s+(\d+)%\s+\((\d+)\)\n\s+v2\s+\S+\s+(\d+)%\s+\((\d+)\)/.exec(r.stdout);
  const beta = /user-type: beta\s+v1\s+\S+\s+(\d+)%\s+\((\d+)\)\n\s+v2\s+\S+\s+(\d+)%\s+\((\d+)\)/.exec(r.stdout);
  assert.ok(normal && beta, r.stdout);
  const [v1, v2] = [Number(normal[2]), Number(normal[4])];
  assert.ok(v1 > 0 && v2 > 0, `both versions answer normal requests: v1 ${v1}, v2 ${v2}`);
  // About 90/10 (a loose bound: a few hundred requests).
  assert.ok(v2 / (v1 + v2) > 0.02 && v2 / (v1 + v2) < 0.25, `v2 share ${v2 / (v1 + v2)}`);
  assert.equal(Number(beta[2]), 0, 'no beta request reaches v1');
  assert.ok(Number(beta[4]) > 0);
  assert.match(r.stdout, /weft proxy-status/);
  assert.match(r.stdout, /✓ stopped; nothing left running/);
  assert.deepEqual(await processesWith(marker), []);
});

test('Ctrl-C during the traffic stops everything: exit 0, nothing left running', { timeout: 180_000 }, async (t) => {
  const marker = `weft-e2e-${randomUUID()}`;
  const demo = startDemo([], marker, t);
  // The first progress line comes after two seconds of traffic.
  await demo.waitFor(/… .*\d+ requests, \d+ failed/);
  assert.ok((await processesWith(marker)).length >= 13, 'control plane + 6 × (weft run + app) are running');
  demo.child.kill('SIGINT');
  const r = await demo.done;
  assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stdout, /Ctrl-C here stops everything/);
  assert.match(r.stdout, /✓ stopped; nothing left running/);
  assert.deepEqual(await processesWith(marker), []);
});

test('Ctrl-C while it starts: exit 130, nothing left running', { timeout: 120_000 }, async (t) => {
  const marker = `weft-e2e-${randomUUID()}`;
  const demo = startDemo([], marker, t);
  await demo.waitFor(/✓ control plane on/);
  demo.child.kill('SIGINT');
  const r = await demo.done;
  assert.equal(r.code, 130, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, /interrupted/);
  assert.deepEqual(await processesWith(marker), []);
});
