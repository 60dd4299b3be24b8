/**
 * A channel's reply window (Messenger's 24 h, here 10 s) through the real
 * admin API over HTTP, on a desk with a ManualClock: the window runs from the
 * customer's last message (also for a case just handed off), supervisors are
 * warned before it closes, and a reply after it closed is refused with a clear
 * error instead of being "sent" into a channel that will not take it.
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type DomainEvent, ManualClock, MemoryStore } from '../../core/index.js';
import { adminPlugin } from '../../server/admin/index.js';
import { buildServer, loadConfig } from '../../server/index.js';
import { type CareDesk, careDesk } from '../core/care-desk.js';
import { SseClient } from './admin/helpers.js';

const T0 = '2026-03-02T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

let app: FastifyInstance | undefined;
let sse: SseClient | undefined;
afterEach(async () => {
  sse?.close();
  await app?.close();
  app = sse = undefined;
});

interface Desk10s extends CareDesk {
  readonly clock: ManualClock;
  readonly url: string;
  say(text: string): Promise<string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
  call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }>;
}

async function deskWithTenSecondWindow(): Promise<Desk10s> {
  const clock = new ManualClock(T0);
  const store = new MemoryStore();
  await store.open();
  const parts = await careDesk(store, clock, {
    sla: {
      replyWindows: { telegram: '10s' },
      replyWindowWarnBefore: '3s',
      policies: [{ name: 'p', firstResponse: '1h', nextResponse: '1h', resolution: '1d', businessHoursOnly: false }],
    },
  });
  const config = loadConfig({ CAREDESK_STORE: 'memory', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  app = buildServer({ config, ...parts, logger: pino({ level: 'silent' }), plugins: [adminPlugin] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  let n = 0;
  return {
    ...parts,
    clock,
    url,
    async say(text) {
      const r = await parts.desk.receive({
        channel: 'telegram',
        externalUserId: 'nora',
        channelMessageId: `m${++n}`,
        text,
      });
      await parts.desk.idle();
      if (r.status !== 'stored') throw new Error('not stored');
      return r.conversation.id;
    },
    async call(method, path, token, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

async function agent(d: Desk10s, role: 'agent' | 'supervisor' = 'agent') {
  const { agent, token } = await d.human.createAgent({ name: role === 'agent' ? 'Ann' : 'Sue', role });
  await d.human.setPresence(agent.id, 'online');
  return { id: agent.id, token };
}

describe('a channel’s reply window (10 s)', () => {
  it('warns before it closes, refuses a late reply over HTTP with a clear error, and opens again when the customer writes', async () => {
    const d = await deskWithTenSecondWindow();
    const ann = await agent(d);
    sse = await SseClient.open(`${d.url}/admin/v1/events`, ann.token);
    const id = await d.say('I want to talk to a person please');
    expect((await d.desk.store.getConversation(id))?.mode).toBe('queued');

    // The detail says when the window closes: the TUI shows the time left from it.
    const detail = await d.call('GET', `/admin/v1/conversations/${id}`, ann.token);
    expect(detail.body.conversation.sla.replyWindowClosesAt).toBe(at(10));
    // The clockwork is armed for the warning, 3 s before the window closes.
    expect((await d.human.nextDueAt())?.toISOString()).toBe(at(7));

    d.clock.set(at(7));
    await d.human.tick();
    const warning = await sse.until(
      () => sse?.events.find((f) => f.event === 'sla.warning' && f.data.data.target === 'replyWindow'),
      'the reply-window warning',
    );
    expect((warning.data as DomainEvent).data.dueAt).toBe(at(10));

    expect((await d.call('POST', `/admin/v1/conversations/${id}/claim`, ann.token)).status).toBe(200);
    d.clock.set(at(8));
    const inTime = await d.call('POST', `/admin/v1/conversations/${id}/messages`, ann.token, { text: 'Hi Nora!' });
    expect(inTime.status).toBe(201);

    d.clock.set(at(10));
    const before = (await d.desk.store.listMessages(id)).length;
    const late = await d.call('POST', `/admin/v1/conversations/${id}/messages`, ann.token, { text: 'Still there?' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('E_REPLY_WINDOW_CLOSED');
    expect(late.body.error.message).toContain(`closed at ${at(10)}`);
    expect(late.body.error.message).toMatch(/Add a note.*wait for the customer to write again/);
    // Nothing stored, nothing queued for delivery: the transcript does not claim it was sent.
    expect(await d.desk.store.listMessages(id)).toHaveLength(before);
    expect((await d.desk.store.listOutbox({ conversationId: id })).map((o) => o.text)).not.toContain('Still there?');
    // A note still goes in.
    const note = await d.call('POST', `/admin/v1/conversations/${id}/messages`, ann.token, {
      text: 'window closed, wait for her',
      internal: true,
    });
    expect(note.status).toBe(201);

    d.clock.set(at(12));
    await d.say('sorry, I was away');
    const again = await d.call('POST', `/admin/v1/conversations/${id}/messages`, ann.token, { text: 'Welcome back' });
    expect(again.status).toBe(201);
    expect(
      (await d.call('GET', `/admin/v1/conversations/${id}`, ann.token)).body.conversation.sla.replyWindowClosesAt,
    ).toBe(at(22));
  });

  it('a case a supervisor takes from the bot gets the window of the customer’s last message, not of the takeover', async () => {
    const d = await deskWithTenSecondWindow();
    const sue = await agent(d, 'supervisor');
    const id = await d.say('hello');
    expect((await d.desk.store.getConversation(id))?.mode).toBe('bot');

    d.clock.set(at(4));
    const taken = await d.call('POST', `/admin/v1/conversations/${id}/takeover`, sue.token);
    expect(taken.status).toBe(200);
    expect(taken.body.conversation.sla.replyWindowClosesAt).toBe(at(10));

    d.clock.set(at(11));
    const late = await d.call('POST', `/admin/v1/conversations/${id}/messages`, sue.token, { text: 'How can I help?' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('E_REPLY_WINDOW_CLOSED');
  });
});
