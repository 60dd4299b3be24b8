import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminApiError } from '../../tui/client.js';
import { alice, bob, sam, withConversation } from './helpers/conversation-fixture.js';
import { canned, event, FakeClient, iso, message, row } from './helpers/fake-client.js';
import { KEYS, type RenderedApp, renderApp } from './helpers/render-app.js';

let app: RenderedApp | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

async function open(client = new FakeClient(sam, [sam, alice, bob])): Promise<RenderedApp> {
  if (client.rows.length === 0) withConversation(client);
  client.canned_ = [
    canned({ id: 'k1', title: 'Greeting', text: 'Hello, I am here to help.' }),
    canned({
      id: 'k2',
      title: 'Refund on its way',
      text: 'Your refund is on its way: 3 to 5 working days.',
      skills: ['billing'],
    }),
  ];
  app = await renderApp(client, { columns: 100, rows: 30 });
  await app.see('Ann Example');
  await app.press(KEYS.enter);
  await app.see('Customer');
  return app;
}

describe('conversation screen', () => {
  it('shows the transcript with customer, bot, agent note and who is who, the customer on the side', async () => {
    const a = await open();
    const frame = a.frame();
    expect(frame).toContain('Ann Example · telegram · queued');
    expect(frame).toContain('Ann Example (customer)');
    expect(frame).toContain('bot');
    expect(frame).toContain('note · Alice (internal, not sent)');
    expect(frame).toContain('┃ Looks like the double charge');
    expect(frame).toContain('telegram ann_e');
    expect(frame).toContain('devchat devchat-ann');
    expect(frame).toContain('Before (1)');
    expect(frame).toContain('resolved router');
  });

  it('a Bot Framework customer joining shows as a dim line "giulia joined", not as an empty message; her locale it-IT as "it"', async () => {
    const c = new FakeClient(sam, [sam]);
    const r = row({
      id: 'c_giulia',
      channel: 'botframework',
      mode: 'bot',
      sla: {},
      customer: { id: 'cus_g', displayName: 'giulia', language: 'it-IT' },
      language: 'it-IT',
    });
    c.rows.push(r);
    const m = (id: string, over: Partial<Parameters<typeof message>[0]>) =>
      message({ id, conversationId: r.id, channel: 'botframework', ...over });
    c.details.set(r.id, {
      conversation: r,
      customer: {
        id: 'cus_g',
        displayName: 'giulia',
        language: 'it-IT',
        identities: [{ channel: 'botframework', externalId: 'giulia' }],
        createdAt: iso(-60_000),
      },
      messages: [
        m('m0', { text: '', createdAt: iso(-50_000) }),
        m('m1', { text: 'come attivo la nuova SIM?', createdAt: iso(-40_000) }),
        m('m2', { author: 'bot', direction: 'outbound', text: 'Ecco come fare.', createdAt: iso(-30_000) }),
      ],
      history: [],
      viewers: [],
      undelivered: [],
    });
    app = await renderApp(c, { columns: 100, rows: 30 });
    await app.press(KEYS.tab, KEYS.tab);
    await app.see('giulia');
    await app.press(KEYS.enter);
    const frame = await app.see('giulia joined');
    const lines = frame.split('\n');
    // One heading for her, above what she wrote; the join is a line of its own, with nothing under it.
    expect(lines.filter((l) => l.includes('giulia (customer)'))).toHaveLength(1);
    const joined = lines.findIndex((l) => l.includes('giulia joined'));
    expect(lines[joined + 1]).toContain('giulia (customer)');
    expect(lines[joined + 2]).toContain('come attivo la nuova SIM?');
    expect(frame).toContain('language it (it-IT)');
    expect(frame).toMatch(/normal · it(\s|$)/m);
  });

  it('opening a conversation changes nothing: it only reads it and says "viewing", and "left" on the way out', async () => {
    const a = await open();
    const c = a.client;
    expect(c.callsOf('setActivity').map((x) => x.args)).toEqual([['c_ann', 'viewing']]);
    for (const method of ['claim', 'takeover', 'release', 'resolve', 'transfer', 'send']) {
      expect(c.callsOf(method)).toEqual([]);
    }
    await a.press(KEYS.esc);
    await a.see('Queue:');
    await vi.waitFor(() =>
      expect(c.callsOf('setActivity').map((x) => x.args)).toEqual([
        ['c_ann', 'viewing'],
        ['c_ann', 'left'],
      ]),
    );
  });

  it('shows who else is viewing or typing here, live', async () => {
    const a = await open();
    a.client.push({
      kind: 'viewers',
      conversationId: 'c_ann',
      viewers: [
        { agentId: 'ag_sam', name: 'Sam', activity: 'viewing', since: iso(0) },
        { agentId: 'ag_alice', name: 'Alice', activity: 'typing', since: iso(0) },
      ],
    });
    const frame = await a.see('◉ also here: Alice is typing');
    expect(frame).not.toContain('Sam is viewing');
  });

  it('enter writes a reply: typing says "typing", enter sends it, the status line confirms', async () => {
    const a = await open();
    const c = a.client;
    await a.press(KEYS.enter);
    await a.see('reply ›');
    await a.press(...'Hello Ann, ');
    await a.press(...'let me check.');
    await a.see('reply › Hello Ann, let me check.');
    await vi.waitFor(() => expect(c.callsOf('setActivity').map((x) => x.args[1])).toContain('typing'), {
      timeout: 5000,
    });
    await a.press(KEYS.enter);
    await a.see('Sent to the customer.');
    expect(c.callsOf('send').map((x) => x.args)).toEqual([['c_ann', 'Hello Ann, let me check.', false]]);
    await a.see('Hello Ann, let me check.');
    const activities = (): unknown[] => c.callsOf('setActivity').map((x) => x.args[1]);
    await vi.waitFor(() => expect(activities().slice(-1)).toEqual(['viewing']), { timeout: 5000 });
  });

  it('n writes an internal note; esc leaves the composer and keeps the draft', async () => {
    const a = await open();
    await a.press('n');
    await a.see('note (internal) ›');
    await a.press(...'call her back');
    await a.see('note (internal) › call her back');
    await a.press(KEYS.esc);
    await a.see('draft kept: call her back');
    await a.press('n', KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, ...'me', KEYS.enter);
    await a.see('Note added.');
    expect(a.client.callsOf('send').map((x) => x.args)).toEqual([['c_ann', 'call her me', true]]);
    // Not "typing" while the note was written: that is what the customer may see (Web Chat shows the
    // assignee typing). A reply written next reports it, so the note's activity had every chance to show.
    const whileNoting = a.client.callsOf('setActivity').map((x) => x.args[1]);
    await a.press(KEYS.enter, ...'hi');
    await vi.waitFor(() => expect(a.client.callsOf('setActivity').map((x) => x.args[1])).toContain('typing'), {
      timeout: 5000,
    });
    expect(whileNoting).not.toContain('typing');
  });

  it('a failed send keeps the draft and shows the server error', async () => {
    const a = await open();
    a.client.failures.set(
      'send',
      new AdminApiError('E_FORBIDDEN', 'Conversation c_ann belongs to agent Alice; only they can reply.', 403),
    );
    await a.press(KEYS.enter, ...'hi', KEYS.enter);
    const frame = await a.see('only they can reply. [E_FORBIDDEN]');
    expect(frame).toContain('reply › hi');
  });

  it("ctrl+r picks a canned response (the skill's first) and inserts it; :canned inserts one by name", async () => {
    const a = await open();
    await a.press(KEYS.ctrlR);
    let frame = await a.until((f) => {
      expect(f).toContain('Canned responses');
      expect(f).toContain('Greeting');
    });
    expect(frame.indexOf('Refund on its way')).toBeGreaterThan(-1);
    expect(frame.indexOf('Refund on its way')).toBeLessThan(frame.indexOf('Greeting'));
    await a.press(...'greet', KEYS.enter);
    await a.see('reply › Hello, I am here to help.');
    await a.press(KEYS.esc, ':', ...'canned refund', KEYS.enter);
    frame = await a.see('Your refund is on its way');
    expect(frame).toContain('reply › Hello, I am here to help. Your refund is on its way');
    await a.press(KEYS.enter);
    await a.see('Sent to the customer.');
    expect(a.client.callsOf('send')[0]!.args[1]).toBe(
      'Hello, I am here to help. Your refund is on its way: 3 to 5 working days.',
    );
  });

  it('c claims, and the result shows in the status line', async () => {
    const a = await open();
    await a.press('c');
    await a.see('Claimed c_ann: it is yours now.');
    expect(a.client.callsOf('claim').map((x) => x.args)).toEqual([['c_ann']]);
  });

  it('t takes over from the bot; a refusal shows the server error', async () => {
    const a = await open();
    a.client.failures.set('takeover', new AdminApiError('E_INVALID_STATE', 'It is queued, not with the bot.', 409));
    await a.press('t');
    await a.see('It is queued, not with the bot. [E_INVALID_STATE]');
    await a.press('t');
    await a.see('Took c_ann over from the bot');
  });

  it('x transfers to an agent by name or to a skill, from a prompt or the command line', async () => {
    const a = await open();
    await a.press('x');
    await a.see('transfer to (agent or skill:name) ›');
    await a.press(...'ali', KEYS.enter);
    await a.see('Transferred c_ann to ali.');
    await a.press(':', ...'transfer skill:tech', KEYS.enter);
    await a.see('Transferred c_ann to the tech queue.');
    await a.press(':', ...'transfer nobody', KEYS.enter);
    await a.see('No agent called "nobody"');
    expect(a.client.callsOf('transfer').map((x) => x.args)).toEqual([
      ['c_ann', { agent: 'ag_alice' }],
      ['c_ann', { skill: 'tech' }],
    ]);
  });

  it('r resolves only after a y; anything else cancels', async () => {
    const a = await open();
    await a.press('r');
    await a.see('Resolve the conversation? (y/N)');
    await a.press('n');
    await a.see('Cancelled.');
    expect(a.client.callsOf('resolve')).toEqual([]);
    await a.press('r', 'y');
    await a.see('Resolved c_ann.');
    expect(a.client.callsOf('resolve').map((x) => x.args)).toEqual([['c_ann']]);
  });

  it('b hands back to the bot after confirmation, also as :handback and its alias :release', async () => {
    const a = await open();
    await a.press('b');
    await a.see('Hand back to the bot? (y/N)');
    await a.press('y');
    await a.see('Handed c_ann back to the bot.');
    await a.press(':', ...'release', KEYS.enter);
    await a.see('Hand back to the bot? (y/N)');
    await a.press(KEYS.esc);
    await a.see('Cancelled.');
    expect(a.client.callsOf('release')).toHaveLength(1);
  });

  it('the transcript is live: a new customer message appears without a key press', async () => {
    const a = await open();
    const c = a.client;
    const d = c.details.get('c_ann')!;
    c.details.set('c_ann', {
      ...d,
      messages: [...d.messages, { ...d.messages[0]!, id: 'm9', text: 'Are you still there?', createdAt: iso(0) }],
    });
    c.push(event({ type: 'message.received', conversationId: 'c_ann', data: { messageId: 'm9' } }));
    await a.see('Are you still there?');
  });

  it("B barges in on a colleague's conversation: it becomes mine", async () => {
    const c = new FakeClient(sam, [sam, alice, bob]);
    withConversation(c, { id: 'c_ann', mode: 'agent', assignee: 'ag_alice' });
    const a = await open(c);
    await a.see('with Alice');
    await a.press('B');
    await a.see('Barged in on c_ann from ag_alice: you own it now.');
    expect(c.callsOf('transfer').map((x) => x.args)).toEqual([['c_ann', { agent: 'ag_sam' }]]);
  });

  it('w whispers to the assigned agent: an internal note addressed to them', async () => {
    const c = new FakeClient(sam, [sam, alice, bob]);
    withConversation(c, { id: 'c_ann', mode: 'agent', assignee: 'ag_alice' });
    const a = await open(c);
    await a.press('w');
    await a.see('whisper › @Alice');
    await a.press(...'offer the goodwill credit', KEYS.enter);
    await a.see('Whispered.');
    expect(c.callsOf('send').map((x) => x.args)).toEqual([['c_ann', '@Alice offer the goodwill credit', true]]);
  });

  it('j/k and page keys scroll a long transcript; G goes back to the latest; R reloads it', async () => {
    const c = new FakeClient(sam, [sam, alice, bob]);
    withConversation(c);
    const d = c.details.get('c_ann')!;
    const many = Array.from({ length: 40 }, (_, i) => ({ ...d.messages[0]!, id: `mm${i}`, text: `line number ${i}` }));
    c.details.set('c_ann', { ...d, messages: many });
    const a = await open(c);
    const frame = await a.see('line number 39');
    expect(frame).not.toContain('line number 20');
    await a.press('k', 'k', 'k', 'k');
    await a.until((f) => {
      expect(f).toContain('more lines below (G: latest)');
      expect(f).not.toContain('line number 39');
    });
    await a.press('\x1b[5~', '\x1b[5~', '\x1b[5~');
    await a.see('line number 0');
    await a.press('\x1b[6~', 'j', 'G');
    await a.until((f) => {
      expect(f).toContain('line number 39');
      expect(f).not.toContain('more lines below');
    });
    const loads = c.callsOf('conversation').length;
    await a.press('R');
    await vi.waitFor(() => expect(c.callsOf('conversation').length).toBeGreaterThan(loads));
  });
});

describe('a reply the channel could not deliver', () => {
  const BLOCKED = '403: Forbidden: bot was blocked by the user';

  /** Ann's conversation, mine, with replies: m6 and m7 given up on, m8 being retried, m9 on its way. */
  function withUndelivered(): FakeClient {
    const c = new FakeClient(sam, [sam, alice, bob]);
    withConversation(c, { id: 'c_ann', mode: 'agent', assignee: 'ag_sam' });
    const d = c.details.get('c_ann')!;
    const reply = (id: string, text: string, offset: number) =>
      message({
        id,
        conversationId: 'c_ann',
        author: 'agent',
        agentId: 'ag_sam',
        direction: 'outbound',
        text,
        createdAt: iso(offset),
      });
    c.details.set('c_ann', {
      ...d,
      conversation: { ...d.conversation, mode: 'agent', assignee: 'ag_sam' },
      messages: [
        ...d.messages,
        reply('m6', 'Your refund is done.', -90_000),
        reply('m7', 'Anything else I can do?', -60_000),
        reply('m8', 'Have a good day.', -30_000),
        reply('m9', 'Bye!', -10_000),
      ],
      undelivered: [
        { messageId: 'm6', status: 'failed', attempts: 12, lastError: '502: Bad Gateway' },
        // A channel's answer is outside text too: escapes and bidi overrides must not reach the terminal.
        { messageId: 'm7', status: 'failed', attempts: 41, lastError: `${BLOCKED}\x1b]0;pwned\x07\u202e\x1b[2J` },
        { messageId: 'm8', status: 'pending', attempts: 3, lastError: '429: Too Many Requests' },
        { messageId: 'm9', status: 'pending', attempts: 0 },
      ],
    });
    return c;
  }

  it('shows a red "✗ not delivered" with the channel\'s answer under it, a reply still being tried dimly', async () => {
    const a = await open(withUndelivered());
    const frame = await a.see(`✗ not delivered: ${BLOCKED}`);
    const lines = frame.split('\n');
    const under = (text: string): string => lines[lines.findIndex((l) => l.includes(text)) + 1] ?? '';
    expect(under('Your refund is done.')).toContain('✗ not delivered: 502: Bad Gateway');
    expect(under('Anything else I can do?')).toContain(`✗ not delivered: ${BLOCKED}`);
    expect(under('Have a good day.')).toContain('… retrying (3 attempts): 429: Too Many Requests');
    // On its way, nothing failed yet: nothing to say under it (the line under is the screen's own hint).
    expect(under('Bye!')).not.toMatch(/^ {2}(✗|…)/);
    expect(frame).toContain('✗ 2 replies were not delivered · S sends the latest again');
    expect(frame).not.toContain('pwned');
    expect(frame).not.toContain('\x1b]');
    expect(frame).not.toContain('\u202e');
  });

  it('a failure arriving live (message.failed) marks the reply at once', async () => {
    const c = new FakeClient(sam, [sam, alice, bob]);
    withConversation(c, { id: 'c_ann', mode: 'agent', assignee: 'ag_sam' });
    const a = await open(c);
    await a.press(KEYS.enter, ...'Your refund is done.', KEYS.enter);
    await a.see('Sent to the customer.');
    const d = c.details.get('c_ann')!;
    const sent = d.messages.at(-1)!;
    c.details.set('c_ann', {
      ...d,
      undelivered: [{ messageId: sent.id, status: 'failed', attempts: 41, lastError: BLOCKED }],
    });
    c.push(
      event({
        type: 'message.failed',
        conversationId: 'c_ann',
        data: { outboxId: 'ob_1', messageId: sent.id, error: BLOCKED, unreachable: true },
      }),
    );
    await a.see(`✗ not delivered: ${BLOCKED}`);
  });

  it(':resend sends the latest failed reply again, S the one before; the status line says so', async () => {
    const a = await open(withUndelivered());
    const c = a.client;
    await a.see(`✗ not delivered: ${BLOCKED}`);
    await a.press(':', ...'resend', KEYS.enter);
    await a.see('Resent the failed reply "Anything else I can do?": it is on its way again.');
    expect(c.callsOf('resend').map((x) => x.args)).toEqual([['c_ann', 'm7']]);
    // Reloaded: pending again, from its first attempt, with the answer it last got.
    await a.see('… sending again (last answer: 403: Forbidden: bot was blocked by');
    await a.see('✗ a reply was not delivered');
    await a.press('S');
    await a.see('Resent the failed reply "Your refund is done."');
    expect(c.callsOf('resend').map((x) => x.args)).toEqual([
      ['c_ann', 'm7'],
      ['c_ann', 'm6'],
    ]);
    const frame = await a.see('… sending again (last answer: 502: Bad Gateway)');
    expect(frame).not.toContain('✗');
  });

  it('with nothing failed, resend says so and asks the server nothing', async () => {
    const c = withUndelivered();
    const d = c.details.get('c_ann')!;
    c.details.set('c_ann', { ...d, undelivered: d.undelivered.filter((u) => u.status === 'pending') });
    const a = await open(c);
    await a.press('S');
    await a.see('No failed reply to resend: 2 are still being delivered.');
    expect(c.callsOf('resend')).toEqual([]);
  });

  it("a resend the server refuses shows the server's error with its code", async () => {
    const a = await open(withUndelivered());
    a.client.failures.set(
      'resend',
      new AdminApiError(
        'E_FORBIDDEN',
        'Conversation c_ann belongs to agent ag_alice; only they or a supervisor can resend.',
        403,
      ),
    );
    await a.press(':', ...'resend', KEYS.enter);
    await a.see('only they or a supervisor can resend. [E_FORBIDDEN]');
    expect(a.client.callsOf('resend').map((x) => x.args)).toEqual([['c_ann', 'm7']]);
  });
});
