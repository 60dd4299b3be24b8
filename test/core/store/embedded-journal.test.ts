import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EmbeddedStore } from '../../../core/index.js';
import { conversation, customer, message } from './store-contract.js';
import { tempDir } from './temp-dir.js';

const segmentOf = (dir: string): string => {
  const names = readdirSync(join(dir, 'journal')).sort();
  return join(dir, 'journal', names.at(-1) as string);
};

async function storeWithMessages(dir: string, count: number): Promise<EmbeddedStore> {
  const store = new EmbeddedStore(dir);
  await store.open();
  await store.commit({ customers: [customer('cus_1')], conversations: [conversation('cnv_1', 'cus_1')] });
  for (let i = 0; i < count; i++) await store.commit({ messages: [message(`m${i}`, 'cnv_1')] });
  return store;
}

describe('the journal segment being appended to', () => {
  it('is zero-filled ahead of its data while open, cut to its data on close, and a crash copy of it opens whole', async () => {
    const dir = join(tempDir(), 'data');
    const store = await storeWithMessages(dir, 20);
    // The zeros are written in the background: durable writes then go into space already written,
    // and need not commit a new file size each time.
    await vi.waitFor(() => expect(statSync(segmentOf(dir)).size).toBeGreaterThan(100_000), { timeout: 5000 });
    const open = readFileSync(segmentOf(dir));
    const dataEnd = open.lastIndexOf(0x0a) + 1;
    expect(open.length).toBeGreaterThan(dataEnd + 100_000);
    expect(open.subarray(dataEnd).every((b) => b === 0)).toBe(true);

    const crashed = join(tempDir(), 'crashed');
    cpSync(dir, crashed, { recursive: true, filter: (f) => !f.endsWith('LOCK') });
    await store.close();
    expect(statSync(segmentOf(dir)).size).toBe(dataEnd);

    const after = new EmbeddedStore(crashed);
    await after.open();
    expect((await after.listMessages('cnv_1')).map((m) => m.id)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    // And it goes on appending where the data ended.
    await after.commit({ messages: [message('m20', 'cnv_1')] });
    await after.close();
    const reopened = new EmbeddedStore(crashed);
    await reopened.open();
    expect((await reopened.listMessages('cnv_1')).at(-1)?.id).toBe('m20');
    await reopened.close();
  });

  it('drops a write a crash tore into zeros (start written, middle not, end written) instead of calling the file corrupt', async () => {
    const dir = join(tempDir(), 'data');
    const store = await storeWithMessages(dir, 5);
    await store.close();
    const file = segmentOf(dir);
    const good = readFileSync(file);
    // What a torn, never acknowledged append can leave: its first bytes, zeros, then its last bytes.
    const line = Buffer.from(`${JSON.stringify({ messages: [message('m_torn', 'cnv_1')] })}\n`);
    const torn = Buffer.concat([line.subarray(0, 20), Buffer.alloc(4096), line.subarray(line.length - 30)]);
    writeFileSync(file, Buffer.concat([good, torn]));
    const after = new EmbeddedStore(dir);
    await after.open();
    expect((await after.listMessages('cnv_1')).map((m) => m.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    await after.close();
    expect(readFileSync(file).equals(good)).toBe(true);
  });
});
