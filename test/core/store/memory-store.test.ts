import { MemoryStore } from '../../../core/index.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory', {
  async create() {
    const store = new MemoryStore();
    await store.open();
    return store;
  },
});
