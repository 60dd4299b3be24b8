import { describe, expect, it, vi } from 'vitest';
import { CaredeskError } from '../../../core/errors.js';
import { setup } from './helpers.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof CaredeskError) return err.code;
    throw err;
  }
}

describe('desk actions', () => {
  it('a handoff puts the conversation in the queue with its reason, topic, language, priority, channel and skill', async () => {
    const s = await setup();
    const id = await s.say('u1', 'I want a person');
    const seen: string[] = [];
    s.desk.bus.subscribe((e) => seen.push(e.type));
    await s.human.handoff(id, {
      reason: 'asked for a human',
      topic: 'billing',
      language: 'en',
      priority: 'high',
      skill: 'billing',
    });
    const c = (await s.desk.store.getConversation(id))!;
    expect(c).toMatchObject({
      mode: 'queued',
      handoffReason: 'asked for a human',
      topic: 'billing',
      language: 'en',
      priority: 'high',
      skill: 'billing',
    });
    expect(c.sla.firstResponseDueAt).toBeDefined();
    expect(seen).toContain('handoff.requested');
    const [event] = (await s.desk.store.listEvents(0, 100)).filter((e) => e.type === 'handoff.requested');
    expect(event?.data).toMatchObject({
      channel: 'telegram',
      skill: 'billing',
      priority: 'high',
      reason: 'asked for a human',
    });
    expect(await s.human.listConversations()).toHaveLength(1);
  });

  it('of two agents claiming at once, exactly one gets the conversation and the other E_CLAIM_CONFLICT', async () => {
    const s = await setup();
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    const b = await s.agent('Bob');
    const results = await Promise.allSettled([s.human.claim(id, a), s.human.claim(id, b)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(((lost[0] as PromiseRejectedResult).reason as CaredeskError).code).toBe('E_CLAIM_CONFLICT');
    const c = (await s.desk.store.getConversation(id))!;
    expect(c.mode).toBe('agent');
    expect([a, b]).toContain(c.assignee);
    const assigned = (await s.desk.store.listEvents(0, 100)).filter((e) => e.type === 'conversation.assigned');
    expect(assigned).toHaveLength(1);
    expect(assigned[0]?.agentId).toBe(c.assignee);
  });

  it("an agent's reply goes out through the outbox and records the first response; a note never reaches the customer", async () => {
    const s = await setup();
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    await s.human.claim(id, a);
    s.clock.advance(60_000);
    await s.human.reply(id, a, 'Hello, I am Ann.');
    await s.human.note(id, a, 'customer seems upset');
    const outbox = await s.desk.store.listOutbox({ conversationId: id });
    expect(outbox.map((o) => o.text)).toEqual(['Hello, I am Ann.']);
    expect(outbox[0]).toMatchObject({ channel: 'telegram', recipient: 'u1', status: 'pending' });
    expect(s.kicks.count).toBe(1);
    const messages = await s.desk.store.listMessages(id);
    expect(messages.map((m) => [m.author, m.internal, m.agentId ?? null])).toEqual([
      ['customer', false, null],
      ['agent', false, a],
      ['agent', true, a],
    ]);
    const c = (await s.desk.store.getConversation(id))!;
    expect(c.sla.firstRespondedAt).toBe(s.clock.now().toISOString());
    expect(c.sla.firstResponseDueAt).toBeUndefined();
    const first = (await s.desk.store.listEvents(0, 100)).find((e) => e.type === 'conversation.first_response');
    expect(first?.data).toMatchObject({ waitedMs: 60_000 });
  });

  it('an agent may not reply to, hand back or resolve a conversation that is not theirs (E_FORBIDDEN); a supervisor may resolve it', async () => {
    const s = await setup();
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    const b = await s.agent('Bob');
    const sup = await s.agent('Sue', { role: 'supervisor' });
    await s.human.claim(id, a);
    expect(await codeOf(s.human.reply(id, b, 'hi'))).toBe('E_FORBIDDEN');
    expect(await codeOf(s.human.release(id, b))).toBe('E_FORBIDDEN');
    expect(await codeOf(s.human.resolve(id, b))).toBe('E_FORBIDDEN');
    expect(await codeOf(s.human.transfer(id, b, { agent: b }))).toBe('E_FORBIDDEN');
    expect(await codeOf(s.human.resolve(id, sup))).toBeUndefined();
    expect(await codeOf(s.human.resolve(id, sup))).toBe('E_INVALID_STATE');
  });

  it('unknown conversations and agents are E_NOT_FOUND; replying in a queued conversation is E_INVALID_STATE; empty and oversize text are refused', async () => {
    const s = await setup();
    const a = await s.agent('Ann');
    expect(await codeOf(s.human.claim('cnv_nope', a))).toBe('E_NOT_FOUND');
    const id = await s.say('u1', 'help');
    expect(await codeOf(s.human.claim(id, 'agt_nope'))).toBe('E_NOT_FOUND');
    await s.human.handoff(id);
    expect(await codeOf(s.human.reply(id, a, 'hi'))).toBe('E_INVALID_STATE');
    await s.human.claim(id, a);
    expect(await codeOf(s.human.reply(id, a, '   '))).toBe('E_INVALID_INPUT');
    expect(await codeOf(s.human.reply(id, a, 'x'.repeat(5000)))).toBe('E_TEXT_TOO_LONG');
    expect(await codeOf(s.human.handoff(id))).toBe('E_INVALID_STATE');
  });

  it('a supervisor takes over a conversation the bot is handling, the bot stops answering it, and plain agents without the skill may not', async () => {
    const s = await setup();
    const id = await s.say('u1', 'my order is late');
    const plain = await s.agent('Pat');
    const sup = await s.agent('Sue', { role: 'supervisor' });
    expect(await codeOf(s.human.takeover(id, plain))).toBe('E_FORBIDDEN');
    await s.human.takeover(id, sup);
    const c = (await s.desk.store.getConversation(id))!;
    expect(c).toMatchObject({ mode: 'agent', assignee: sup });
    // The flow does not see the customer's next message: the interceptor keeps it for the human.
    s.flow.seen.length = 0;
    await s.say('u1', 'are you there?');
    expect(s.flow.seen).toEqual([]);
    const types = (await s.desk.store.listEvents(0, 100)).map((e) => e.type);
    expect(types).toContain('conversation.taken_over');
  });

  it('an agent with the conversation’s skill may take it over from the bot', async () => {
    const s = await setup();
    const id = await s.say('u1', 'refund please');
    await s.desk.store.commit({ conversations: [{ ...(await s.desk.store.getConversation(id))!, skill: 'billing' }] });
    const billing = await s.agent('Bill', { skills: ['billing'] });
    await s.human.takeover(id, billing);
    expect((await s.desk.store.getConversation(id))?.assignee).toBe(billing);
  });

  it('releasing hands the conversation back to the bot and the flow gets the handback; resolving tells the flow to run its survey', async () => {
    const s = await setup();
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    await s.human.claim(id, a);
    await s.human.release(id, a);
    expect((await s.desk.store.getConversation(id))?.mode).toBe('bot');
    expect(s.flow.calls).toEqual([`handBack:${id}:${a}`]);
    await s.human.handoff(id);
    await s.human.claim(id, a);
    await s.human.resolve(id, a);
    const c = (await s.desk.store.getConversation(id))!;
    expect(c).toMatchObject({ mode: 'resolved', lastAssignee: a });
    expect(c.resolvedAt).toBeDefined();
    expect(s.flow.calls).toEqual([`handBack:${id}:${a}`, `resolved:${id}`]);
    const audit = (await s.desk.store.listEvents(0, 100)).filter((e) => e.type.startsWith('conversation.'));
    expect(audit.filter((e) => e.type !== 'conversation.opened').every((e) => e.agentId === a)).toBe(true);
  });

  it('a customer writing while the agent hands back reaches the flow only after the flow has the handback', async () => {
    const s = await setup();
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    await s.human.claim(id, a);
    const order: string[] = [];
    s.flow.onMessage = (m) => void order.push(`flow:${m.message.text}`);
    let open!: () => void;
    s.flow.gate = new Promise<void>((r) => {
      open = r;
    });
    const released = s.human.release(id, a);
    await vi.waitFor(() => expect(s.human.ctx.handbacks.has(id)).toBe(true));
    const said = s.say('u1', 'one more thing');
    await vi.waitFor(async () => expect(await s.desk.store.countMessages()).toBe(2));
    order.push('handback-open');
    open();
    await released;
    await said;
    expect(order).toEqual(['handback-open', 'flow:one more thing']);
    expect(s.flow.calls).toEqual([`handBack:${id}:${a}`]);
  });

  it('a transfer to another agent moves ownership; to a skill puts it back in the queue for that skill', async () => {
    const s = await setup();
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    const b = await s.agent('Bob');
    await s.human.claim(id, a);
    await s.human.transfer(id, a, { agent: b });
    expect((await s.desk.store.getConversation(id))?.assignee).toBe(b);
    await s.human.transfer(id, b, { skill: 'billing' });
    const c = (await s.desk.store.getConversation(id))!;
    expect(c).toMatchObject({ mode: 'queued', skill: 'billing' });
    expect(c.assignee).toBeUndefined();
    expect(await s.human.listConversations({ skill: 'billing' })).toHaveLength(1);
    expect(await codeOf(s.human.transfer(id, b, { agent: 'agt_nope' }))).toBe('E_NOT_FOUND');
  });

  it('an agent going offline puts their conversations back in the queue, with an event', async () => {
    const s = await setup();
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    await s.human.claim(id, a);
    await s.human.setPresence(a, 'offline');
    expect((await s.desk.store.getConversation(id))?.mode).toBe('queued');
    const ev = (await s.desk.store.listEvents(0, 100)).find((e) => e.type === 'conversation.reassigned');
    expect(ev?.data).toMatchObject({ reason: 'offline', from: a });
  });

  it('only a supervisor sets another agent’s presence', async () => {
    const s = await setup();
    const a = await s.agent('Ann');
    const b = await s.agent('Bob');
    const sup = await s.agent('Sue', { role: 'supervisor' });
    expect(await codeOf(s.human.setPresence(a, 'away', b))).toBe('E_FORBIDDEN');
    await s.human.setPresence(a, 'away', sup);
    expect((await s.desk.store.getAgent(a))?.presence).toBe('away');
  });

  it('a resolve that comes during a bot turn waits for the turn to be written, then wins', async () => {
    const s = await setup();
    const sup = await s.agent('Sue', { role: 'supervisor' });
    const id = await s.say('u1', 'hello');
    let resolving: Promise<unknown> | undefined;
    // The flow is deciding under the customer's lock when a supervisor resolves.
    s.flow.onMessage = () => {
      resolving ??= s.human.resolve(id, sup);
    };
    await s.say('u1', 'still there?');
    await resolving;
    expect((await s.desk.store.getConversation(id))?.mode).toBe('resolved');
    const events = (await s.desk.store.listEvents(0, 100)).filter((e) => e.conversationId === id);
    const received = events.filter((e) => e.type === 'message.received').at(-1);
    const resolved = events.find((e) => e.type === 'conversation.resolved');
    // One winner, in one order: the turn's write, then the resolve.
    expect(received && resolved && received.seq < resolved.seq).toBe(true);
  });

  it('a flow that fails to take the handback or run the survey does not undo the release or the resolve', async () => {
    const s = await setup();
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    await s.human.claim(id, a);
    s.flow.handBack = async () => {
      throw new Error('engine down');
    };
    s.flow.notifyResolved = async () => {
      throw new Error('engine down');
    };
    await s.human.release(id, a);
    expect((await s.desk.store.getConversation(id))?.mode).toBe('bot');
    await s.human.handoff(id);
    await s.human.claim(id, a);
    await s.human.resolve(id, a);
    expect((await s.desk.store.getConversation(id))?.mode).toBe('resolved');
  });
});
