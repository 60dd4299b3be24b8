/** A conversation with every kind of message, a customer on two channels, and a case before: for the conversation tests and docs. */
import type { FakeClient } from './fake-client.js';
import { agent, iso, message, row } from './fake-client.js';

export const sam = agent({ id: 'ag_sam', name: 'Sam', role: 'supervisor', skills: ['billing'] });
export const alice = agent({ id: 'ag_alice', name: 'Alice', skills: ['billing'], load: 2 });
export const bob = agent({ id: 'ag_bob', name: 'Bob', presence: 'away', languages: ['en', 'it'] });

export function withConversation(c: FakeClient, over: Parameters<typeof row>[0] = { id: 'c_ann' }): void {
  const r = row({
    mode: 'queued',
    slaDueAt: iso(4 * 60_000),
    sla: { queuedAt: iso(-3 * 60_000), firstResponseDueAt: iso(4 * 60_000) },
    customer: { id: 'cus_ann', displayName: 'Ann Example', language: 'en' },
    language: 'en',
    topic: 'billing',
    skill: 'billing',
    handoffReason: 'asked for a person',
    lastMessagePreview: 'I want to talk to a human',
    ...over,
  });
  c.rows.push(r);
  const m = (id: string, offset: number, over2: Parameters<typeof message>[0] extends infer T ? Partial<T> : never) =>
    message({ id, conversationId: r.id, createdAt: iso(offset), ...over2 });
  c.details.set(r.id, {
    conversation: r,
    customer: {
      id: 'cus_ann',
      displayName: 'Ann Example',
      language: 'en',
      identities: [
        { channel: 'telegram', externalId: '4242', displayName: 'ann_e' },
        { channel: 'devchat', externalId: 'devchat-ann' },
      ],
      createdAt: iso(-30 * 86_400_000),
    },
    messages: [
      m('m1', -6 * 60_000, { text: 'Hi, my invoice for March is twice the usual amount.' }),
      m('m2', -5.9 * 60_000, {
        author: 'bot',
        direction: 'outbound',
        text: 'I am sorry to hear that. Invoices are explained in "Reading your bill".',
      }),
      m('m3', -5 * 60_000, { text: 'I want to talk to a human' }),
      m('m4', -4.9 * 60_000, {
        author: 'bot',
        direction: 'outbound',
        text: 'I am passing you to a person from our team.',
      }),
      m('m5', -2 * 60_000, {
        author: 'agent',
        agentId: 'ag_alice',
        direction: 'outbound',
        internal: true,
        text: 'Looks like the double charge from the migration; check the ledger.',
      }),
    ],
    history: [{ ...r, id: 'c_old', mode: 'resolved', topic: 'router', createdAt: iso(-9 * 86_400_000) }],
    viewers: [],
    undelivered: [],
  });
}
