/**
 * A batch as `caredesk_commit` takes it: each row as the fields the tables
 * look things up by, plus `d`, the whole record as JSON text. PostgreSQL reads
 * the fields (unescaping them) but turns `d` into json as it is, so text a
 * customer sent with a NUL in it, which PostgreSQL text cannot hold, is kept.
 */
import type { WriteBatch } from '../store.js';

const text = (value: unknown): string => JSON.stringify(value);

/**
 * A record's collection or id as a column keeps it: PostgreSQL text cannot
 * hold a NUL, which some keys use as a separator (a channel and a chat id),
 * so `\` and NUL are escaped (`\\`, `\0`), one way back.
 */
export const recordKey = (key: string): string =>
  key.includes('\u0000') || key.includes('\\') ? key.replace(/\\/g, '\\\\').replace(/\u0000/g, '\\0') : key;
export const keyOfRecord = (stored: string): string =>
  stored.includes('\\') ? stored.replace(/\\(\\|0)/g, (_, c: string) => (c === '0' ? '\u0000' : '\\')) : stored;

export function wireBatch(b: WriteBatch): unknown {
  return {
    customers: b.customers?.map((c) => ({
      id: c.id,
      mergedInto: c.mergedInto,
      createdAt: c.createdAt,
      identities: c.identities.map((i) => ({ channel: i.channel, externalId: i.externalId })),
      d: text(c),
    })),
    conversations: b.conversations?.map((c) => ({
      id: c.id,
      customerId: c.customerId,
      channel: c.channel,
      mode: c.mode,
      assignee: c.assignee,
      priority: c.priority,
      createdAt: c.createdAt,
      lastMessageAt: c.lastMessageAt,
      resolvedAt: c.resolvedAt,
      d: text(c),
    })),
    messages: b.messages?.map((m) => ({
      id: m.id,
      conversationId: m.conversationId,
      customerId: m.customerId,
      channel: m.channel,
      direction: m.direction,
      author: m.author,
      channelMessageId: m.channelMessageId,
      createdAt: m.createdAt,
      d: text(m),
    })),
    events: b.events?.map((e) => ({
      type: e.type,
      at: e.at,
      conversationId: e.conversationId,
      customerId: e.customerId,
      agentId: e.agentId,
      d: text(e),
    })),
    outbox: b.outbox?.map((o) => ({
      id: o.id,
      conversationId: o.conversationId,
      status: o.status,
      createdAt: o.createdAt,
      d: text(o),
    })),
    deliveries: b.deliveries,
    flowSnapshots: b.flowSnapshots?.map((s) => ({
      conversationId: s.conversationId,
      d: s.snapshot === null ? null : text(s.snapshot),
    })),
    agents: b.agents?.map((a) => ({ id: a.id, tokenHash: a.tokenHash, d: text(a) })),
    removeAgents: b.removeAgents,
    records: b.records?.map((r) => ({
      collection: recordKey(r.collection),
      id: recordKey(r.id),
      d: r.value === null ? null : text(r.value),
    })),
  };
}
