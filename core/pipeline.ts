/**
 * The path of one customer message, whatever the channel, in one place:
 *
 *   parse ─> drop a redelivery ─> find the customer ─> (customer's lock)
 *     draft the message ─> decide who handles it ─> ONE durable write of the
 *     message with what handles it ─> publish ─> kick the outbox
 *
 * A message is stored together with its handling (the flow's step, the human
 * side's clocks, caredesk's own reply), so there is no moment where it is
 * stored but not answered, and one customer's messages are decided strictly
 * in order. Two kinds of message cannot be handled inside that write: `/link`,
 * which merges two customers under both their locks, and a message that comes
 * while an agent hands the conversation back (the flow must get the handback
 * first). They are stored with a pending mark and handled right after; the
 * mark is cleared only once they were, and marks left by a crash are handled
 * again at start-up (`resumePending`), in the order the messages came.
 *
 * This module knows the parts only by the interfaces below: the Desk
 * (core/desk.ts) composes them.
 */
import type { Clock } from './clock.js';
import type { Conversation, NewEvent, OutboxEntry } from './domain.js';
import { isStoreUnavailable } from './errors.js';
import type { EventBus } from './event-bus.js';
import { isLinkCommand, runLinkCommand } from './identity/link-command.js';
import {
  type Arrival,
  customerLock,
  draftArrival,
  findSender,
  type IngestResult,
  identityLock,
  type ParsedInbound,
  parseInbound,
  type Sender,
  type StoredIngest,
  type SurveyAnswerTaker,
} from './ingest.js';
import type { Logger } from './logger.js';
import { unreadableReply } from './outbox/system-reply.js';
import type { Store, StoredRecord, WriteBatch } from './store/store.js';
import type { Locks } from './util/keyed-mutex.js';

/** Writes that handle a message, committed with it, and what to do once they are durable or refused. */
export interface MessageStep {
  readonly batch: WriteBatch;
  committed?(): void;
  failed?(): void;
}

/** Drives the bot side of conversations (core/engine implements it). */
export interface ConversationEngine extends Partial<SurveyAnswerTaker> {
  /**
   * The flow's step for a message not stored yet, called under the customer's
   * lock; undefined when the flow does not drive the conversation now.
   */
  planCustomerMessage(arrival: Arrival): Promise<MessageStep | undefined>;
}

/**
 * What the human side makes of a customer message: nothing (the bot's), wait
 * (a handback is under way: take the message again once it is done), or a
 * change of the conversation, which `owned` says is the humans' from now on.
 */
export type HumanDecision =
  | undefined
  | { readonly waitFor: Promise<void> }
  | { readonly conversation: Conversation; readonly step: MessageStep; readonly owned: boolean };

/** Plans a flow's handoff inside the flow's own write: routing rules, SLA clocks, `handoff.requested`. */
export type HandoffPlanner = (
  conversation: Conversation,
  input: { reason: string; topic?: string; language?: string; skill?: string },
  now: Date,
) => { conversation: Conversation; events: NewEvent[] };

/** The human side as the message path sees it (core/queue implements it). */
export interface HumanSide {
  /** Called under the customer's lock, before the flow. */
  decideCustomerMessage(arrival: Arrival): Promise<HumanDecision>;
  readonly planHandoff: HandoffPlanner;
}

/** Tells the outbox there is something new to deliver (`entries`: a commit's; none: look at all). */
export interface OutboxKick {
  kick(entries?: readonly OutboxEntry[]): void;
}

/** What the path needs from the desk. */
export interface MessagePath {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly locks: Locks;
  readonly flowFor: (channel: string) => string;
  readonly engine: ConversationEngine | undefined;
  readonly human: HumanSide | undefined;
  readonly outbox: OutboxKick;
  track(work: Promise<void>): void;
}

/** Messages stored but not handled yet (a `/link`, or a step that could not be planned). */
export const PENDING_COLLECTION = 'pending-messages';

interface PendingMark {
  readonly messageId: string;
  readonly conversationId: string;
  readonly customerId: string;
  readonly openedConversation: boolean;
  readonly inbound: Omit<ParsedInbound, 'replyContext'>;
  readonly at: string;
}

/** How a message is handled: a step in its own write, a pending mark to run after it, or a wait (then pending). */
type Handling =
  | { readonly waitFor: Promise<void> }
  | { readonly step?: MessageStep | undefined; readonly pending?: boolean; readonly waitFor?: undefined };

type Attempt = IngestResult | { readonly status: 'retry'; readonly after: Promise<void> };

/** Stores a channel's update with its handling; resolves once it is durable (acknowledge the channel then). */
export async function receiveMessage(path: MessagePath, raw: unknown): Promise<IngestResult> {
  const inbound = parseInbound(raw);
  for (;;) {
    const attempt: Attempt = await path.locks.run(identityLock(inbound.channel, inbound.externalUserId), async () => {
      const duplicate = await path.store.findMessageIdByChannelId(inbound.channel, inbound.channelMessageId);
      if (duplicate !== undefined) return { status: 'duplicate', messageId: duplicate };
      const sender = await findSender(path, inbound);
      return path.locks.run(customerLock(sender.customer.id), () => storeMessage(path, inbound, sender));
    });
    if (attempt.status !== 'retry') return attempt;
    await attempt.after;
  }
}

/** Under the customer's lock: draft, decide, commit once, publish, kick. */
async function storeMessage(path: MessagePath, inbound: ParsedInbound, sender: Sender): Promise<Attempt> {
  // Merged into another customer while we waited for the lock: take the message again as the survivor's.
  if (sender.events.length === 0 && (await path.store.getCustomer(sender.customer.id))?.mergedInto) {
    return { status: 'retry', after: Promise.resolve() };
  }
  const arrival = await draftArrival(path, inbound, sender);
  const decided = await decide(path, arrival);
  // A handback under way: the message is stored now, marked pending, and handled once the flow has it back.
  const handling: Handling = decided.waitFor ? { pending: true } : decided;
  const pending = handling.pending ? [pendingMark(arrival)] : [];
  const batch = withStep(arrival.batch, handling.step, pending);
  const events = await commitHandled(path, batch, handling.step);
  if (handling.pending) {
    const after = decided.waitFor ?? Promise.resolve();
    path.track(after.then(() => runPending(path, arrival.message.id)));
  }
  const { inbound: parsed, customer, message, openedConversation } = arrival;
  const conversation = batch.conversations?.[0] ?? arrival.conversation;
  return { status: 'stored', inbound: parsed, customer, conversation, message, openedConversation, events };
}

/** The one write of a message's handling; then the step's memory follows it, events go out, the outbox is told. */
async function commitHandled(
  path: MessagePath,
  batch: WriteBatch,
  step: MessageStep | undefined,
): Promise<StoredIngest['events']> {
  let events: StoredIngest['events'];
  try {
    events = (await path.store.commit(batch)).events;
  } catch (err) {
    step?.failed?.();
    throw err;
  }
  path.bus.publish(events);
  step?.committed?.();
  if (batch.outbox?.length) path.outbox.kick(batch.outbox);
  return events;
}

/** Who handles the message, in this order. */
async function decide(path: MessagePath, arrival: Arrival): Promise<Handling> {
  const { inbound } = arrival;
  // A correction of a message the flow already answered: stored, nothing more.
  if (inbound.kind === 'edit') return {};
  // Content the channel could not pass on: answered with what caredesk can read, never shown to the flow.
  if (inbound.kind === 'unsupported') return { step: unreadableReply(arrival, path.clock.now()) };
  // `/link` takes two customers' locks: it runs after this write.
  if (isLinkCommand(arrival.message.text)) return { pending: true };
  const human = path.human ? await path.human.decideCustomerMessage(arrival) : undefined;
  if (human && 'waitFor' in human) return { waitFor: human.waitFor };
  if (human?.owned) return { step: human.step };
  // The bot's: a reopen the human side gave back to the bot still reaches the flow, in the same write.
  const conversation = human?.conversation ?? arrival.conversation;
  try {
    const flow = path.engine && (await path.engine.planCustomerMessage(human ? { ...arrival, conversation } : arrival));
    return { step: joinSteps(human?.step, flow) };
  } catch (err) {
    // The message must be stored whatever the engine does: marked pending, it is stepped again after.
    // The database being away is said once by the store; anything else is worth an error line.
    const level = isStoreUnavailable(err) ? 'debug' : 'error';
    path.logger[level]({ err, conversationId: conversation.id }, 'flow step could not be planned; retrying after');
    return { step: human?.step, pending: true };
  }
}

/** The message's write with its handling: the step's conversation is the message's, moved on. */
function withStep(message: WriteBatch, step: MessageStep | undefined, pending: readonly StoredRecord[]): WriteBatch {
  if (!step && pending.length === 0) return message;
  const s = step?.batch ?? {};
  const both = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined): readonly T[] => (a ?? []).concat(b ?? []);
  return {
    customers: message.customers,
    conversations: s.conversations?.length ? s.conversations : message.conversations,
    messages: both(message.messages, s.messages),
    events: both(message.events, s.events),
    outbox: s.outbox,
    flowSnapshots: s.flowSnapshots,
    records: both(both(message.records, s.records), pending),
  };
}

/** The human side's change, then the flow's step on top of it: the flow's conversation is the later one. */
function joinSteps(first: MessageStep | undefined, second: MessageStep | undefined): MessageStep | undefined {
  if (!first || !second) return first ?? second;
  const a = first.batch;
  const b = second.batch;
  const others = (a.conversations ?? []).slice(1);
  return {
    batch: {
      conversations: [...(b.conversations ?? a.conversations ?? []).slice(0, 1), ...others],
      messages: [...(a.messages ?? []), ...(b.messages ?? [])],
      outbox: [...(a.outbox ?? []), ...(b.outbox ?? [])],
      events: [...(a.events ?? []), ...(b.events ?? [])],
      records: [...(a.records ?? []), ...(b.records ?? [])],
      flowSnapshots: b.flowSnapshots,
    },
    committed: () => {
      first.committed?.();
      second.committed?.();
    },
    failed: () => {
      first.failed?.();
      second.failed?.();
    },
  };
}

function pendingMark(arrival: Arrival): StoredRecord {
  const { replyContext: _, ...inbound } = arrival.inbound;
  const value: PendingMark = {
    messageId: arrival.message.id,
    conversationId: arrival.conversation.id,
    customerId: arrival.customer.id,
    openedConversation: arrival.openedConversation,
    inbound,
    at: arrival.message.createdAt,
  };
  return { collection: PENDING_COLLECTION, id: arrival.message.id, value };
}

const clearMark = (messageId: string): StoredRecord => ({ collection: PENDING_COLLECTION, id: messageId, value: null });

/**
 * Handles a stored message marked pending, then clears its mark. A crash in
 * between runs it again at start-up: `/link` then answers that its code was
 * used (the merge itself happened once).
 */
export async function runPending(path: MessagePath, messageId: string): Promise<void> {
  const mark = (await path.store.getRecord(PENDING_COLLECTION, messageId)) as PendingMark | undefined;
  if (!mark) return;
  if (isLinkCommand(mark.inbound.text)) {
    await runLinkCommand(path, { customerId: mark.customerId, conversationId: mark.conversationId, ...mark.inbound });
    await path.store.commit({ records: [clearMark(messageId)] });
    return;
  }
  for (;;) {
    const after = await path.locks.run(customerLock(mark.customerId), async (): Promise<Promise<void> | undefined> => {
      // Handled meanwhile (by another process of the desk starting up, or the wait that ended): once is enough.
      if ((await path.store.getRecord(PENDING_COLLECTION, messageId)) === undefined) return undefined;
      const [conversation, customer, messages] = await Promise.all([
        path.store.getConversation(mark.conversationId),
        path.store.getCustomer(mark.customerId),
        path.store.listMessages(mark.conversationId),
      ]);
      const message = messages.find((m) => m.id === messageId);
      if (!conversation || !customer || !message || customer.mergedInto) {
        // Nothing left to answer in (merged or gone): the message stays in the history.
        await path.store.commit({ records: [clearMark(messageId)] });
        return undefined;
      }
      const arrival: Arrival = {
        inbound: mark.inbound as ParsedInbound,
        customer,
        newCustomer: false,
        conversation,
        message,
        openedConversation: mark.openedConversation,
        batch: {},
      };
      const handling = await decide(path, arrival);
      if (handling.waitFor) return handling.waitFor;
      // Still not plannable: the mark stays for the next start.
      if (handling.pending) return undefined;
      const batch = withStep({ conversations: [conversation] }, handling.step, [clearMark(messageId)]);
      await commitHandled(path, batch, handling.step);
      return undefined;
    });
    if (!after) return;
    await after;
  }
}

/** Runs every message a crash left pending, oldest first; call at start-up, before the channels. */
export async function resumePending(path: MessagePath): Promise<number> {
  const marks = (await path.store.listRecords(PENDING_COLLECTION))
    .map((r) => r.value as PendingMark)
    .sort((a, b) => (a.at === b.at ? (a.messageId < b.messageId ? -1 : 1) : a.at < b.at ? -1 : 1));
  for (const mark of marks) {
    try {
      await runPending(path, mark.messageId);
    } catch (err) {
      path.logger.error(
        { err, messageId: mark.messageId },
        'pending message could not be handled; kept for the next start',
      );
    }
  }
  return marks.length;
}
