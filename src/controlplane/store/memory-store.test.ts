// MemoryStore against the shared ResourceStore conformance suite.
import { storeConformance } from '../../../test/conformance/store.suite.ts';
import { MemoryStore } from './memory-store.ts';

storeConformance('memory', async () => ({
  open: async () => new MemoryStore(),
  durable: false,
  cleanup: async () => undefined,
}));
