// A control plane restarted on the same state directory has its resources, services and workloads back; proxies get the same config version; one control plane per directory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { WeftError } from '../../src/lib/errors.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startControlPlane } from '../../src/controlplane/main.ts';
import { CANARY_YAML, StreamClient, applyYaml, call, registration, start, tempStateDir } from './harness.ts';

describe('control plane restart', () => {
  it('brings back resources and registry, and the same config version for a reconnecting proxy', async () => {
    const t = await tempStateDir();
    try {
      const first = await start(t.dir);
      assert.equal((await stat(t.dir)).mode & 0o777, 0o700);
      assert.equal((await applyYaml(first.url, CANARY_YAML)).status, 200);
      for (const w of [registration('orders-v1'), registration('orders-v2'), registration('users-v1', { service: 'user-service' })]) {
        assert.equal((await call(first.url, 'POST', '/v1/workloads', w)).status, 200);
      }
      await call(first.url, 'DELETE', '/v1/workloads/default/users-v1');
      const s1 = await StreamClient.open(first.url, 'orders-v1.default');
      const before = await s1.nextSnapshot();
      const resourcesBefore = (await call(first.url, 'GET', '/v1/resources')).json.items;
      await first.close();
      await s1.waitEnd();

      const second = await start(t.dir);
      try {
        assert.equal((await call(second.url, 'GET', '/healthz')).json.revision, 1);
        assert.deepEqual((await call(second.url, 'GET', '/v1/resources')).json.items, resourcesBefore);
        assert.deepEqual((await call(second.url, 'GET', '/v1/workloads')).json.workloads.map((w: { name: string }) => w.name), ['orders-v1', 'orders-v2']);
        const s2 = await StreamClient.open(second.url, 'orders-v1.default');
        const after = await s2.nextSnapshot();
        assert.equal(after.version, before.version, 'same state, same config, same version: the proxy has nothing to change');
        assert.ok(after.config.clusters.some((c) => c.service === 'user-service.default.svc.cluster.local'), 'a service whose workloads left is still known');
        await call(second.url, 'POST', '/v1/proxies/orders-v1.default/ack', { version: after.version });
        const p = (await call(second.url, 'GET', '/v1/proxies')).json.proxies;
        assert.deepEqual(p.map((x: { id: string; state: string }) => `${x.id}:${x.state}`), ['orders-v1.default:SYNCED', 'orders-v2.default:NOT SENT']);
        s2.close();
      } finally {
        await second.close();
      }
    } finally {
      await t.remove();
    }
  });

  it('refuses a second control plane on a state directory in use', async () => {
    const t = await tempStateDir();
    const first = await start(t.dir);
    try {
      await assert.rejects(start(t.dir), (err: unknown) => err instanceof WeftError && err.code === 'WEFT_STATE_DIR_LOCKED');
    } finally {
      await first.close();
      await t.remove();
    }
  });

  it('names the busy port when it cannot listen, and releases the state directory', async () => {
    const t1 = await tempStateDir();
    const t2 = await tempStateDir();
    const first = await start(t1.dir);
    try {
      await assert.rejects(startControlPlane({ stateDir: t2.dir, port: first.port, logger: silentLogger }), (err: unknown) => err instanceof WeftError && err.code === 'WEFT_PORT_IN_USE' && err.message.includes(String(first.port)));
      const again = await start(t2.dir);
      await again.close();
    } finally {
      await first.close();
      await t1.remove();
      await t2.remove();
    }
  });
});
