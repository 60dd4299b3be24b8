/**
 * Whose typing a Web Chat visitor sees: only the agent who has their case,
 * only while the case is answered on Web Chat, and not after they stop.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AgentActivitySource, TYPING_REPEAT_MS } from '../../../bots/directline/index.js';
import type { DirectLineActivity } from '../../../bots/directline/transcript.js';
import { AgentTyping } from '../../../bots/directline/typing.js';
import { type Channel, type Conversation, Desk, MemoryStore, silentLogger } from '../../../core/index.js';

type Listener = Parameters<AgentActivitySource['onChange']>[0];
type Viewers = Parameters<Listener>[1];

const NOW = '2026-12-06T10:00:00.000Z';
let typing: AgentTyping | undefined;
afterEach(() => typing?.stop());

/** A desk with one customer (a Web Chat visitor in Direct Line conversation dl_1) and their case. */
async function setUp(conversation: Partial<Conversation> & { channel: Channel }) {
  const store = new MemoryStore();
  await store.open();
  const desk = new Desk({ store });
  await desk.store.commit({
    customers: [{ id: 'cus_1', identities: [{ channel: 'webchat', externalId: 'user:u-1' }], createdAt: NOW }],
    conversations: [
      {
        id: 'cnv_1',
        customerId: 'cus_1',
        mode: 'agent',
        flow: 'care',
        tags: [],
        priority: 'normal',
        sla: {},
        createdAt: NOW,
        updatedAt: NOW,
        lastMessageAt: NOW,
        messageCount: 1,
        ...conversation,
      },
    ],
  });
  const shown: Array<[string, DirectLineActivity]> = [];
  let listener: Listener | undefined;
  const source: AgentActivitySource = {
    onChange: (l) => {
      listener = l;
      return () => undefined;
    },
  };
  const transcripts = {
    signal: (id: string, activity: DirectLineActivity) => void shown.push([id, activity]),
    conversationOfUser: async (userId: string) => (userId === 'user:u-1' ? 'dl_1' : undefined),
  };
  typing = new AgentTyping(desk, transcripts, source, silentLogger);
  typing.start();
  /** Agents' screens report; resolves once the channel has acted on it. */
  const report = async (viewers: Viewers) => {
    listener?.('cnv_1', viewers);
    await desk.idle();
  };
  return { shown, report };
}

const ann = (activity: 'viewing' | 'typing') => ({ agentId: 'agt_ann', activity });
const sue = (activity: 'viewing' | 'typing') => ({ agentId: 'agt_sue', activity });

describe('which agent typing a Web Chat visitor sees', () => {
  it('the assignee typing shows in the visitor’s Direct Line conversation as the bot typing', async () => {
    const { shown, report } = await setUp({ channel: 'webchat', assignee: 'agt_ann' });
    await report([ann('typing')]);
    expect(shown).toEqual([
      ['dl_1', expect.objectContaining({ type: 'typing', from: expect.objectContaining({ role: 'bot' }) })],
    ]);
  });

  it('a supervisor typing a whisper, or an agent on a case answered on Telegram, shows nothing', async () => {
    const webchat = await setUp({ channel: 'webchat', assignee: 'agt_ann' });
    await webchat.report([ann('viewing'), sue('typing')]);
    expect(webchat.shown).toEqual([]);
    typing?.stop();
    const telegram = await setUp({ channel: 'telegram', assignee: 'agt_ann' });
    await telegram.report([ann('typing')]);
    expect(telegram.shown).toEqual([]);
  });

  it('while the assignee types the indicator is sent again before Web Chat’s 5 s run out, and stops with them', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { shown, report } = await setUp({ channel: 'webchat', assignee: 'agt_ann' });
      await report([ann('typing')]);
      vi.advanceTimersByTime(TYPING_REPEAT_MS);
      expect(shown).toHaveLength(2);
      expect(TYPING_REPEAT_MS).toBeLessThan(5_000);
      await report([ann('viewing')]);
      vi.advanceTimersByTime(10 * TYPING_REPEAT_MS);
      expect(shown).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
