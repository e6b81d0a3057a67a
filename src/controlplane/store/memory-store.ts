/** MemoryStore: a ResourceStore that keeps everything in memory and loses it on exit (tests, embedding). */
import { SnapshotStore, type StoreSnapshot } from './snapshot-store.ts';

export class MemoryStore extends SnapshotStore {
  constructor(initial?: StoreSnapshot) {
    super(initial === undefined ? {} : { initial });
  }
}
