// Child of store-crash.test.ts: applies numbered batches to an FsStore forever (bounded) and prints "ack <revision>" after each one resolves.
import { FsStore } from '../../src/controlplane/store/fs-store.ts';
import { batchFor } from './store-crash-plan.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: store-crash-child.ts <state-dir>');
const store = await FsStore.open({ dir });
process.stdout.write(`open ${store.revision}\n`);
for (let i = store.revision + 1; i <= store.revision + 100_000; i++) {
  const { upserts, deletes } = batchFor(i);
  const r = await store.applyBatch(upserts, deletes);
  // Pipes are synchronous on Linux: once written, the parent can read the line even after a kill -9.
  process.stdout.write(`ack ${r.revision}\n`);
}
await store.close();
