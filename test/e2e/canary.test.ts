// The seed's canary end to end with real processes: its YAML applied verbatim with `weft apply -f`, order-service v1 and v2 under `weft run`, and a client with no mesh code seeing 90/10, and 100 % v2 for `user-type: beta`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CANARY, E2E_APPS, ECHO_APP, Mesh, NODE, type Workload } from './harness/mesh.ts';

/** sha256 of the two YAML blocks of the seed's "Пример: Traffic Management" (seed lines 154–195), byte for byte. */
const SEED_CANARY_SHA256 = '62815117258e046482479b73f13537665401ecf10193993e4ce9dfa693f08c91';
const NORMAL_REQUESTS = 2000;
const BETA_REQUESTS = 300;

let mesh: Mesh;
let v1: Workload;
let v2: Workload;

before(async () => {
  mesh = await Mesh.start();
  [v1, v2] = await Promise.all(['v1', 'v2'].map((version) => mesh.run({
    service: 'order-service', version, command: [NODE, ECHO_APP], env: { VERSION: version }, appReady: /echo up on/,
  })) as [Promise<Workload>, Promise<Workload>]);
});

after(async () => {
  await mesh.close();
});

test('the seed\'s canary applied verbatim: 2000 plain fetches split 90/10 (± 3 points), user-type: beta goes 100 % to v2, nothing fails', { timeout: 120_000 }, async (t) => {
  assert.equal(createHash('sha256').update(await readFile(CANARY)).digest('hex'), SEED_CANARY_SHA256, `${CANARY} is no longer the seed's YAML byte for byte`);
  const applied = await mesh.weft(['apply', '-f', CANARY]);
  assert.equal(applied.code, 0, `weft apply -f ${CANARY}\nstdout:\n${applied.stdout}\nstderr:\n${applied.stderr}`);
  assert.match(applied.stdout, /^virtualservice\.networking\.istio\.io\/order-service created$/m);
  assert.match(applied.stdout, /^destinationrule\.networking\.istio\.io\/order-service created$/m);

  // Both versions hold the config with the canary before the client starts; the client's own
  // sidecar gets a snapshot with both subsets' endpoints when it registers (and the client calls
  // until both versions answered before it counts).
  await mesh.waitForSynced([v1.proxyId, v2.proxyId]);
  await v1.waitForEndpoints({ '|v1|order-service.': 1, '|v2|order-service.': 1 });

  const r = await mesh.runToEnd({
    service: 'canary-client',
    command: [NODE, join(E2E_APPS, 'canary-client.ts'), String(NORMAL_REQUESTS), String(BETA_REQUESTS)],
  }, 90_000);
  assert.equal(r.code, 0, `the client failed\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"warmup"'));
  assert.ok(line !== undefined, `the client printed no result\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const out = JSON.parse(line) as {
    warmup: number; warmupSeen: string[]; warmupErrors: string[];
    normal: { versions: Record<string, number>; failed: number; errors: string[] };
    beta: { versions: Record<string, number>; failed: number; errors: string[] };
  };
  assert.deepEqual(out.warmupSeen, ['v1', 'v2'], `both versions answered while warming up: ${line}`);
  assert.deepEqual(out.warmupErrors, [], 'no request failed while warming up');

  assert.equal(out.normal.failed, 0, `normal requests failed: ${out.normal.errors.join('; ')}`);
  assert.deepEqual(Object.keys(out.normal.versions).sort(), ['v1', 'v2'], line);
  const n1 = out.normal.versions.v1 ?? 0;
  const n2 = out.normal.versions.v2 ?? 0;
  assert.equal(n1 + n2, NORMAL_REQUESTS);
  const share = (100 * n2) / NORMAL_REQUESTS;
  // Binomial(2000, 0.1): one standard deviation is 0.67 points, so ± 3 points is 4.5 of them.
  t.diagnostic(`normal: v1 ${n1}, v2 ${n2} (${share.toFixed(2)} % v2) after ${out.warmup} warm-up calls; beta: ${JSON.stringify(out.beta.versions)}`);
  assert.ok(Math.abs(share - 10) <= 3, `v2 share ${share.toFixed(2)} % (v1 ${n1}, v2 ${n2}) is not 10 % ± 3 points`);

  assert.equal(out.beta.failed, 0, `beta requests failed: ${out.beta.errors.join('; ')}`);
  assert.deepEqual(out.beta.versions, { v2: BETA_REQUESTS }, 'every user-type: beta request goes to v2');
});
