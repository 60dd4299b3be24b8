import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../core/index.js';
import { DEDUPE_WINDOW } from '../../../core/store/state.js';
import { describeStoreContract, message } from './store-contract.js';

describeStoreContract('memory', {
  async create() {
    const store = new MemoryStore();
    await store.open();
    return store;
  },
});

describe('redelivery window', () => {
  it('remembers the newest channel message ids and forgets the oldest beyond the window', async () => {
    const store = new MemoryStore();
    await store.open();
    const total = DEDUPE_WINDOW + 10;
    const batch = 5_000;
    for (let i = 0; i < total; i += batch) {
      await store.commit({
        messages: Array.from({ length: Math.min(batch, total - i) }, (_, k) =>
          message(`m${i + k}`, 'cnv_1', { channelMessageId: `u${i + k}` }),
        ),
      });
    }
    expect(await store.findMessageIdByChannelId('telegram', 'u0')).toBeUndefined();
    expect(await store.findMessageIdByChannelId('telegram', 'u9')).toBeUndefined();
    expect(await store.findMessageIdByChannelId('telegram', 'u10')).toBe('m10');
    expect(await store.findMessageIdByChannelId('telegram', `u${total - 1}`)).toBe(`m${total - 1}`);
  });
});
