import { join } from 'node:path';
import { EmbeddedStore, type EmbeddedStoreOptions, type Store } from '../../../core/index.js';
import { describeStoreContract } from './store-contract.js';
import { tempDir } from './temp-dir.js';

const root = tempDir();
let n = 0;

function embedded(name: string, options: EmbeddedStoreOptions): void {
  const dirs = new WeakMap<Store, string>();
  describeStoreContract(name, {
    async create() {
      const dir = join(root, `s${++n}`);
      const store = new EmbeddedStore(dir, options);
      await store.open();
      dirs.set(store, dir);
      return store;
    },
    async reopen(store) {
      const dir = dirs.get(store) as string;
      await store.close();
      const again = new EmbeddedStore(dir, options);
      await again.open();
      dirs.set(again, dir);
      return again;
    },
  });
}

embedded('embedded (defaults)', {});
// Tiny checkpoints and segments: every test crosses several checkpoints and segment files.
embedded('embedded (checkpoint and new segment every few KB)', { checkpointBytes: 2_000, segmentBytes: 4_000 });
