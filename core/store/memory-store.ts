/**
 * A Store that keeps everything in memory: for unit tests, `caredesk chat`
 * and benchmarks that want to measure caredesk without the disk.
 */
import type { Agent, Channel, Conversation, Customer, DomainEvent, Message, OutboxEntry } from '../domain.js';
import { StoreClosedError } from '../errors.js';
import { erasureBatch } from './erase-batch.js';
import {
  type ErasureReport,
  ErasureScope,
  type ErasureTarget,
  emptyReport,
  eraseEvent,
  eraseMessage,
} from './erasure.js';
import { StoreState } from './state.js';
import {
  type CommitResult,
  type ConversationFilter,
  numberedEvent,
  type OutboxFilter,
  type Store,
  type WriteBatch,
} from './store.js';

export class MemoryStore implements Store {
  readonly location = 'memory';
  private state = new StoreState();
  private readonly messages = new Map<string, Message[]>();
  private readonly events: DomainEvent[] = [];
  private readonly snapshots = new Map<string, unknown>();
  private opened = false;

  async open(): Promise<void> {
    this.opened = true;
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  async commit(batch: WriteBatch): Promise<CommitResult> {
    this.assertOpen();
    const events = (batch.events ?? []).map((e, i) => numberedEvent(e, this.state.lastSeq + i + 1));
    this.state.apply(batch);
    for (const m of batch.messages ?? []) {
      const list = this.messages.get(m.conversationId);
      if (list) list.push(m);
      else this.messages.set(m.conversationId, [m]);
    }
    this.events.push(...events);
    for (const s of batch.flowSnapshots ?? []) {
      if (s.snapshot === null) this.snapshots.delete(s.conversationId);
      else this.snapshots.set(s.conversationId, structuredClone(s.snapshot));
    }
    return { events };
  }

  async erase(target: ErasureTarget): Promise<ErasureReport> {
    this.assertOpen();
    const scope = new ErasureScope(target.customerIds);
    const report = emptyReport();
    const batch = erasureBatch(this.state, scope, report);
    this.state.apply(batch);
    for (const s of batch.flowSnapshots ?? []) this.snapshots.delete(s.conversationId);
    for (const list of this.messages.values()) {
      for (const [i, m] of list.entries()) {
        if (!scope.ownsMessage(m)) continue;
        scope.noteMessage(m);
        list[i] = eraseMessage(m);
        report.messages++;
      }
    }
    for (const [i, e] of this.events.entries()) {
      if (!scope.ownsEvent(e)) continue;
      this.events[i] = eraseEvent(e);
      report.events++;
    }
    this.state.forgetChannelIds(scope.channelMessageIds);
    return report;
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    return this.state.customers.get(id);
  }
  async findCustomerByIdentity(channel: Channel, externalId: string): Promise<Customer | undefined> {
    return this.state.customerByIdentity(channel, externalId);
  }
  async getConversation(id: string): Promise<Conversation | undefined> {
    return this.state.conversation(id);
  }
  async findOpenConversation(customerId: string): Promise<Conversation | undefined> {
    return this.state.openConversationOf(customerId);
  }
  async listConversations(filter?: ConversationFilter): Promise<Conversation[]> {
    return this.state.listConversations(filter);
  }
  async countConversations(): Promise<number> {
    this.assertOpen();
    return this.state.conversationCount;
  }
  async listMessages(conversationId: string): Promise<Message[]> {
    return [...(this.messages.get(conversationId) ?? [])];
  }
  async findMessageIdByChannelId(channel: Channel, channelMessageId: string): Promise<string | undefined> {
    return this.state.messageIdByChannelId(channel, channelMessageId);
  }
  async countMessages(): Promise<number> {
    return this.state.messageCount;
  }
  async listEvents(afterSeq: number, limit: number): Promise<DomainEvent[]> {
    return this.events.slice(Math.max(0, afterSeq), Math.max(0, afterSeq) + limit);
  }
  async lastEventSeq(): Promise<number> {
    return this.state.lastSeq;
  }
  async getOutboxEntry(id: string): Promise<OutboxEntry | undefined> {
    return this.state.outboxEntry(id);
  }
  async listOutbox(filter?: OutboxFilter): Promise<OutboxEntry[]> {
    return this.state.listOutbox(filter);
  }
  async getFlowSnapshot(conversationId: string): Promise<unknown | undefined> {
    const s = this.snapshots.get(conversationId);
    return s === undefined ? undefined : structuredClone(s);
  }
  async getAgent(id: string): Promise<Agent | undefined> {
    return this.state.agents.get(id);
  }
  async findAgentByTokenHash(tokenHash: string): Promise<Agent | undefined> {
    return this.state.agentByTokenHash(tokenHash);
  }
  async listAgents(): Promise<Agent[]> {
    return [...this.state.agents.values()];
  }
  async getRecord(collection: string, id: string): Promise<unknown | undefined> {
    return this.state.records.get(collection)?.get(id);
  }
  async listRecords(collection: string): Promise<Array<{ id: string; value: unknown }>> {
    return [...(this.state.records.get(collection) ?? new Map<string, unknown>())].map(([id, value]) => ({
      id,
      value,
    }));
  }

  private assertOpen(): void {
    if (!this.opened) throw new StoreClosedError();
  }
}
