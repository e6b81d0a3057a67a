// The ResourceStore conformance suite: every backend (memory, fs, later Kubernetes or a database) runs these same cases.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../src/api/resource.ts';
import type { ResourceStore, StoreEvent } from '../../src/controlplane/store/store.ts';
import { WeftError } from '../../src/lib/errors.ts';

export interface StoreHarness {
  /** Opens the store (first call: empty). */
  open(): Promise<ResourceStore>;
  /** Whether a closed store reopens with its content (the backend is durable). */
  readonly durable: boolean;
  /** Removes what the harness created. */
  cleanup(): Promise<void>;
}

export function vs(name: string, hosts: string[], namespace = 'default'): Resource {
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: { hosts, http: [{ route: [{ destination: { host: hosts[0] } }] }] },
  };
}

export function dr(name: string, host: string, namespace = 'default'): Resource {
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'DestinationRule',
    metadata: { name, namespace },
    spec: { host, subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
  };
}

export function storeConformance(backend: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`ResourceStore conformance: ${backend}`, () => {
    let harness: StoreHarness | null = null;
    let open: ResourceStore[] = [];
    async function fresh(): Promise<ResourceStore> {
      harness = await makeHarness();
      return track(await harness.open());
    }
    function track(s: ResourceStore): ResourceStore {
      open.push(s);
      return s;
    }
    afterEach(async () => {
      for (const s of open) await s.close();
      open = [];
      await harness?.cleanup();
      harness = null;
    });

    it('starts empty at revision 0', async () => {
      const s = await fresh();
      assert.equal(s.revision, 0);
      assert.deepEqual(s.list(), []);
      assert.equal(s.get('VirtualService/default/x'), undefined);
    });

    it('creates, then reports the same content as unchanged without a new revision', async () => {
      const s = await fresh();
      const r1 = await s.applyBatch([vs('a', ['a']), dr('a', 'a')], []);
      assert.equal(r1.revision, 1);
      assert.deepEqual(r1.results.map((r) => r.action), ['created', 'created']);
      assert.deepEqual(s.get('VirtualService/default/a'), vs('a', ['a']));
      const r2 = await s.applyBatch([vs('a', ['a'])], []);
      assert.equal(r2.revision, 1);
      assert.deepEqual(r2.results, [{ kind: 'VirtualService', namespace: 'default', name: 'a', action: 'unchanged' }]);
      assert.equal(s.revision, 1);
    });

    it('reports a changed spec as configured and bumps the revision', async () => {
      const s = await fresh();
      await s.applyBatch([vs('a', ['a'])], []);
      const r = await s.applyBatch([vs('a', ['a', 'b'])], []);
      assert.equal(r.revision, 2);
      assert.equal(r.results[0]?.action, 'configured');
      assert.deepEqual((s.get('VirtualService/default/a')?.spec as { hosts: string[] }).hosts, ['a', 'b']);
    });

    it('treats fields set to undefined like absent fields (the store holds JSON)', async () => {
      const s = await fresh();
      await s.applyBatch([vs('a', ['a'])], []);
      const withUndefined = { ...vs('a', ['a']), metadata: { name: 'a', namespace: 'default', labels: undefined } } as unknown as Resource;
      const r = await s.applyBatch([withUndefined], []);
      assert.equal(r.results[0]?.action, 'unchanged');
    });

    it('deletes what exists and reports not-found for the rest, in input order', async () => {
      const s = await fresh();
      await s.applyBatch([vs('a', ['a']), vs('b', ['b'])], []);
      const r = await s.applyBatch([], [
        { kind: 'VirtualService', namespace: 'default', name: 'zz' },
        { kind: 'VirtualService', namespace: 'default', name: 'a' },
      ]);
      assert.deepEqual(r.results.map((x) => `${x.name}:${x.action}`), ['zz:not-found', 'a:deleted']);
      assert.equal(r.revision, 2);
      assert.deepEqual(s.list().map((x) => x.metadata.name), ['b']);
      const none = await s.applyBatch([], [{ kind: 'VirtualService', namespace: 'default', name: 'a' }]);
      assert.equal(none.revision, 2, 'a batch that changes nothing keeps the revision');
    });

    it('applies upserts before deletes and lists sorted by key, optionally by kind', async () => {
      const s = await fresh();
      const r = await s.applyBatch([vs('b', ['b']), dr('z', 'z'), vs('a', ['a'], 'other')], [{ kind: 'VirtualService', namespace: 'default', name: 'b' }]);
      assert.deepEqual(r.results.map((x) => x.action), ['created', 'created', 'created', 'deleted']);
      assert.deepEqual(s.list().map((x) => `${x.kind}/${x.metadata.namespace}/${x.metadata.name}`), ['DestinationRule/default/z', 'VirtualService/other/a']);
      assert.deepEqual(s.list('VirtualService').map((x) => x.metadata.name), ['a']);
      assert.deepEqual(s.list('Gateway'), []);
    });

    it('keeps its own copy: changing the input or the output afterwards changes nothing stored', async () => {
      const s = await fresh();
      const input = vs('a', ['a']);
      await s.applyBatch([input], []);
      (input.spec as { hosts: string[] }).hosts.push('evil');
      const got = s.get('VirtualService/default/a');
      assert.deepEqual((got?.spec as { hosts: string[] }).hosts, ['a']);
      assert.throws(() => (got?.spec as { hosts: string[] }).hosts.push('evil'), TypeError);
    });

    it('notifies watchers once per changing batch, after the change is visible; unsubscribe stops it', async () => {
      const s = await fresh();
      const events: StoreEvent[] = [];
      const seen: number[] = [];
      const stop = s.watch((e) => {
        events.push(e);
        seen.push(s.list().length);
      });
      await s.applyBatch([vs('a', ['a']), vs('b', ['b'])], []);
      await s.applyBatch([vs('a', ['a'])], []);
      await s.applyBatch([vs('a', ['x'])], [{ kind: 'VirtualService', namespace: 'default', name: 'b' }]);
      stop();
      await s.applyBatch([vs('c', ['c'])], []);
      assert.deepEqual(events.map((e) => e.revision), [1, 2]);
      assert.deepEqual(events[1]?.changes.map((c) => `${c.name}:${c.action}`), ['a:configured', 'b:deleted']);
      assert.deepEqual(seen, [2, 1]);
    });

    it('commits a batch even when a watcher throws', async () => {
      const s = await fresh();
      s.watch(() => {
        throw new Error('watcher bug');
      });
      const r = await s.applyBatch([vs('a', ['a'])], []);
      assert.equal(r.revision, 1);
      assert.ok(s.get('VirtualService/default/a'));
    });

    it('runs concurrent batches one at a time in call order', async () => {
      const s = await fresh();
      const all = await Promise.all(Array.from({ length: 20 }, (_, i) => s.applyBatch([vs('counter', [`h${i}`])], [])));
      assert.deepEqual(all.map((r) => r.revision), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.deepEqual(all.map((r) => r.results[0]?.action), ['created', ...Array<string>(19).fill('configured')]);
      assert.deepEqual((s.get('VirtualService/default/counter')?.spec as { hosts: string[] }).hosts, ['h19']);
    });

    it('rejects batches after close', async () => {
      const s = await fresh();
      await s.close();
      await assert.rejects(s.applyBatch([vs('a', ['a'])], []), (err: unknown) => err instanceof WeftError && err.code === 'WEFT_STORE_CLOSED');
    });

    it('keeps content and revision across close and reopen when durable, and starts over otherwise', async () => {
      const s = await fresh();
      await s.applyBatch([vs('a', ['a']), dr('d', 'a')], []);
      await s.applyBatch([vs('b', ['b'])], [{ kind: 'DestinationRule', namespace: 'default', name: 'd' }]);
      const before = s.list();
      await s.close();
      const again = track(await (harness as StoreHarness).open());
      if ((harness as StoreHarness).durable) {
        assert.equal(again.revision, 2);
        assert.deepEqual(again.list(), before);
        const r = await again.applyBatch([vs('a', ['a'])], []);
        assert.equal(r.results[0]?.action, 'unchanged');
      } else {
        assert.equal(again.revision, 0);
        assert.deepEqual(again.list(), []);
      }
    });
  });
}
