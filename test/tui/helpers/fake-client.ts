/**
 * An AdminClient in memory, with the real client's interface: what the
 * component tests and the benchmark drive the TUI with. It records every
 * call, and `push` / `setState` play the server's event stream.
 */

import type { Activity, Conversation, ConversationQuery, Message, TransferTarget } from '../../../tui/client.js';
import {
  AdminApiError,
  type AdminClient,
  type AgentView,
  type Canned,
  type ConversationDetail,
  type ConversationRow,
  type DomainEvent,
  type KpiResponse,
  type LiveEvent,
  type Viewer,
} from '../../../tui/index.js';
import type { EventStream, StreamState } from '../../../tui/sse.js';

export const T0 = new Date('2026-03-02T10:00:00.000Z');
export const iso = (offsetMs: number): string => new Date(T0.getTime() + offsetMs).toISOString();

/** A canned response as the server lists it. */
export function canned(over: Partial<Canned> & { id: string; title: string; text: string }): Canned {
  return { skills: [], createdBy: 'ag_sup', updatedAt: iso(-86_400_000), ...over };
}

export function agent(over: Partial<AgentView> & { id: string; name: string }): AgentView {
  const a = {
    role: 'agent' as const,
    skills: [],
    languages: ['en'],
    capacity: 5,
    presence: 'online' as const,
    createdAt: iso(-86_400_000),
    load: 0,
    ...over,
  };
  return { ...a, freeCapacity: over.freeCapacity ?? Math.max(0, a.capacity - a.load) };
}

let seq = 0;
export function row(over: Partial<ConversationRow> & { id: string }): ConversationRow {
  const n = ++seq;
  const r: ConversationRow = {
    customerId: `cus_${over.id}`,
    channel: 'telegram',
    mode: 'queued',
    flow: 'care',
    tags: [],
    priority: 'normal',
    sla: { queuedAt: iso(-5 * 60_000) },
    createdAt: iso(-10 * 60_000),
    updatedAt: iso(-60_000),
    lastMessageAt: iso(-60_000),
    lastMessagePreview: `message ${n}`,
    messageCount: 2,
    customer: { id: `cus_${over.id}`, displayName: `Customer ${n}` },
    breached: false,
    ...over,
  };
  // As the server has it: the row's deadline is one of the conversation's own.
  const s = r.sla;
  if (r.slaDueAt && !s.firstResponseDueAt && !s.nextResponseDueAt && !s.resolutionDueAt) {
    return { ...r, sla: { ...s, firstResponseDueAt: r.slaDueAt } };
  }
  return r;
}

export function message(over: Partial<Message> & { id: string; conversationId: string }): Message {
  return {
    customerId: 'cus',
    channel: 'telegram',
    direction: 'inbound',
    author: 'customer',
    text: 'hello',
    attachments: [],
    internal: false,
    createdAt: iso(-60_000),
    ...over,
  };
}

export function event(over: Partial<DomainEvent> & { type: string }): DomainEvent {
  return { seq: ++seq, at: T0.toISOString(), data: {}, ...over };
}

export interface Call {
  readonly method: string;
  readonly args: readonly unknown[];
}

export class FakeClient implements AdminClient {
  readonly server = 'http://127.0.0.1:3978';
  readonly calls: Call[] = [];
  me_: AgentView;
  agents_: AgentView[];
  rows: ConversationRow[] = [];
  details = new Map<string, ConversationDetail>();
  canned_: Canned[] = [];
  kpis_: { channel?: KpiResponse; agent?: KpiResponse } = {};
  /** A failure to give for the next call of this method. */
  failures = new Map<string, AdminApiError>();
  /** Run answers through JSON and back, as the wire would (the benchmark's parse cost). */
  handlers: { onEvent: (e: LiveEvent) => void; onState?: (s: StreamState, detail?: string) => void } | undefined;

  constructor(me: AgentView, agents: AgentView[] = [me]) {
    this.me_ = me;
    this.agents_ = agents;
  }

  #call<T>(method: string, args: unknown[], answer: () => T): Promise<T> {
    this.calls.push({ method, args });
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      return Promise.reject(failure);
    }
    return Promise.resolve().then(answer);
  }

  callsOf(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  me() {
    return this.#call('me', [], () => this.me_);
  }
  setPresence(presence: AgentView['presence']) {
    return this.#call('setPresence', [presence], () => {
      this.me_ = { ...this.me_, presence };
      this.agents_ = this.agents_.map((a) => (a.id === this.me_.id ? { ...a, presence } : a));
      return presence;
    });
  }
  agents() {
    return this.#call('agents', [], () => this.agents_);
  }
  conversations(query: ConversationQuery) {
    return this.#call('conversations', [query], () =>
      this.rows.filter((r) => !query.mode || query.mode.includes(r.mode)),
    );
  }
  conversation(id: string) {
    return this.#call('conversation', [id], (): ConversationDetail => {
      const d = this.details.get(id);
      if (d) return d;
      // A conversation only on the board: its detail as the server would give it, without messages.
      const r = this.rows.find((x) => x.id === id);
      if (!r) throw new AdminApiError('E_NOT_FOUND', `No conversation with id "${id}".`, 404);
      return {
        conversation: stripRow(r),
        customer: {
          id: r.customer.id,
          displayName: r.customer.displayName,
          language: r.customer.language,
          identities: [{ channel: r.channel, externalId: r.customer.id }],
          createdAt: r.createdAt,
        },
        messages: [],
        history: [],
        viewers: [],
        undelivered: [],
        ...(r.placeInLine ? { placeInLine: r.placeInLine } : {}),
      };
    });
  }
  #act(method: string, id: string, change: Partial<Conversation>, extra: unknown[] = []) {
    return this.#call(method, [id, ...extra], () => {
      const d = this.details.get(id);
      const base = d?.conversation ?? this.rows.find((r) => r.id === id);
      if (!base) throw new AdminApiError('E_NOT_FOUND', `No conversation with id "${id}".`, 404);
      const conversation = { ...stripRow(base), ...change };
      if (d) this.details.set(id, { ...d, conversation });
      return conversation;
    });
  }
  claim(id: string) {
    return this.#act('claim', id, { mode: 'agent', assignee: this.me_.id });
  }
  takeover(id: string) {
    return this.#act('takeover', id, { mode: 'agent', assignee: this.me_.id });
  }
  release(id: string) {
    return this.#act('release', id, { mode: 'bot', assignee: undefined });
  }
  resolve(id: string) {
    return this.#act('resolve', id, { mode: 'resolved', assignee: undefined });
  }
  transfer(id: string, target: TransferTarget) {
    return this.#act('transfer', id, 'agent' in target ? { assignee: target.agent } : { mode: 'queued' }, [target]);
  }
  send(id: string, text: string, internal: boolean) {
    return this.#call('send', [id, text, internal], () => {
      const d = this.details.get(id);
      if (!d) throw new AdminApiError('E_NOT_FOUND', `No conversation with id "${id}".`, 404);
      const m = message({
        id: `msg_${++seq}`,
        conversationId: id,
        author: 'agent',
        agentId: this.me_.id,
        direction: 'outbound',
        text,
        internal,
      });
      this.details.set(id, { ...d, messages: [...d.messages, m] });
      return { message: m, conversation: d.conversation };
    });
  }
  /** As the server does: only a failed reply goes out again, pending once more, from its first attempt. */
  resend(id: string, messageId: string) {
    return this.#call('resend', [id, messageId], () => {
      const d = this.details.get(id);
      const u = d?.undelivered.find((x) => x.messageId === messageId);
      if (!d || !u) throw new AdminApiError('E_NOT_FOUND', `No message with id "${messageId}".`, 404);
      if (u.status !== 'failed') {
        throw new AdminApiError(
          'E_INVALID_STATE',
          `Message ${messageId} is still being delivered; only a failed reply can be resent.`,
          409,
        );
      }
      const again = { ...u, status: 'pending' as const, attempts: 0 };
      this.details.set(id, { ...d, undelivered: d.undelivered.map((x) => (x === u ? again : x)) });
      return d.conversation;
    });
  }
  setActivity(id: string, activity: Activity) {
    return this.#call('setActivity', [id, activity], (): Viewer[] => this.details.get(id)?.viewers ?? []);
  }
  canned() {
    return this.#call('canned', [], () => this.canned_);
  }
  kpis(options: { since: string; by: 'channel' | 'agent' }) {
    return this.#call('kpis', [options], () => {
      const k = this.kpis_[options.by];
      if (!k) throw new AdminApiError('E_NOT_FOUND', 'no kpis', 404);
      return k;
    });
  }
  events(handlers: { onEvent: (e: LiveEvent) => void; onState?: (s: StreamState, d?: string) => void }): EventStream {
    this.calls.push({ method: 'events', args: [] });
    this.handlers = handlers;
    queueMicrotask(() => handlers.onState?.('live'));
    return { lastEventId: undefined, close: () => handlers.onState?.('closed') };
  }

  /** The server sends an event. */
  push(e: DomainEvent | LiveEvent): void {
    this.handlers?.onEvent('kind' in e ? e : { kind: 'domain', event: e });
  }
  setState(state: StreamState, detail?: string): void {
    this.handlers?.onState?.(state, detail);
  }
}

function stripRow(c: Conversation | ConversationRow): Conversation {
  const { customer: _c, slaDueAt: _s, breached: _b, placeInLine: _p, ...rest } = c as ConversationRow;
  return rest;
}
