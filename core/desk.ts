/**
 * The Desk wires core together: a channel hands it an update with
 * `receive()`, which stores it (ingest) and returns so the channel can
 * acknowledge. A message for the bot is usually stepped through its flow
 * inside that same write; one something else may take first (interceptors)
 * goes to the flow in the background afterwards, in order per customer.
 * Channels, the server and `caredesk chat` all talk to a Desk.
 */
import { type Clock, systemClock } from './clock.js';
import type { Conversation, NewEvent, OutboxEntry } from './domain.js';
import { EventBus } from './event-bus.js';
import { handleLinkCommand } from './identity/link-command.js';
import { type IngestResult, ingest, type StoredIngest } from './ingest.js';
import { type Logger, silentLogger } from './logger.js';
import type { Store, WriteBatch } from './store/store.js';
import type { SurveyAnswerTaker } from './survey-window.js';
import { handleChannelNotices } from './system-reply.js';
import { KeyedMutex } from './util/keyed-mutex.js';

export type { StoredIngest } from './ingest.js';

/** Drives the bot side of conversations (core/engine implements it). */
export interface ConversationEngine extends Partial<SurveyAnswerTaker> {
  onCustomerMessage(stored: StoredIngest): Promise<void>;
  /**
   * The flow's step for a message not stored yet, to be committed in the
   * message's own write (one durable write per message instead of two).
   * Called under the customer's lock; undefined when the flow does not take
   * the message now (then `onCustomerMessage` runs after the store, as ever).
   */
  planInline?(stored: StoredIngest): Promise<InlineStep | undefined>;
}

/** A flow step planned inside ingest: its writes, and what to do once they are durable or refused. */
export interface InlineStep {
  readonly batch: WriteBatch;
  committed(): void;
  failed(): void;
}

/** Delivers the outbox (core/outbox implements it); `kick` says there is something new. */
export interface OutboxDispatcher {
  /** `entries`: the pending entries of a commit that just succeeded; none: look at the whole outbox. */
  kick(entries?: readonly OutboxEntry[]): void;
}

/**
 * Runs after a message is stored and before the flow: returns true when it
 * handled the message (e.g. `/link`), so the flow does not see it.
 *
 * `passes`, if given, tells at once (no reads) that the interceptor will not
 * take a message: when every interceptor passes it, the flow steps inside the
 * message's own write. Without it, every message goes the long way round.
 */
export type MessageInterceptor = ((desk: Desk, stored: StoredIngest) => Promise<boolean>) & {
  readonly passes?: (stored: StoredIngest) => boolean;
};

/**
 * Plans a flow's handoff inside the flow's own write: the human side's
 * routing rules, SLA clocks and `handoff.requested` event (core/queue sets it).
 */
export type HandoffPlanner = (
  conversation: Conversation,
  input: { reason: string; topic?: string; language?: string; skill?: string },
  now: Date,
) => { conversation: Conversation; events: NewEvent[] };

export interface DeskOptions {
  readonly store: Store;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** The flow a new conversation starts with, per channel (default `care`). */
  readonly flowFor?: (channel: string) => string;
  /** Handled before the flow; default: edits and unreadable content, then the `/link` command. */
  readonly interceptors?: readonly MessageInterceptor[];
}

export class Desk {
  readonly store: Store;
  readonly bus = new EventBus();
  readonly clock: Clock;
  readonly logger: Logger;
  readonly locks = new KeyedMutex();
  readonly flowFor: (channel: string) => string;
  engine: ConversationEngine | undefined;
  dispatcher: OutboxDispatcher | undefined;
  /** Set by the human side (HumanDesk); without it a flow's handoff only moves the conversation to the queue. */
  handoffPlanner: HandoffPlanner | undefined;
  readonly interceptors: MessageInterceptor[];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: DeskOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.flowFor = options.flowFor ?? (() => 'care');
    this.interceptors = [...(options.interceptors ?? [handleChannelNotices, handleLinkCommand])];
  }

  /** Stores a channel's update; resolves once it is durable (acknowledge the channel then). */
  async receive(raw: unknown): Promise<IngestResult> {
    const result = await ingest(this, raw);
    if (result.status === 'stored' && !result.flowStepped) {
      this.track(
        this.afterStore(result).catch((err: unknown) => {
          this.logger.error({ err, conversationId: result.conversation.id }, 'flow step failed');
        }),
      );
    }
    return result;
  }

  /**
   * The flow's step to commit with a message (see ingest), when no
   * interceptor can take it and the engine can step it in place.
   */
  async planInline(stored: StoredIngest): Promise<InlineStep | undefined> {
    const engine = this.engine;
    if (!engine?.planInline) return undefined;
    for (const intercept of this.interceptors) if (!intercept.passes?.(stored)) return undefined;
    try {
      return await engine.planInline(stored);
    } catch (err) {
      // The message must be stored whatever the engine does: it goes the long way, and the step is retried after.
      this.logger.error({ err, conversationId: stored.conversation.id }, 'flow step could not join the message write');
      return undefined;
    }
  }

  private async afterStore(stored: StoredIngest): Promise<void> {
    for (const intercept of this.interceptors) if (await intercept(this, stored)) return;
    await this.engine?.onCustomerMessage(stored);
  }

  /**
   * Runs background work so that `idle()` can wait for it (tests, shutdown).
   * A failure is logged: background work that fails (a timer's step when the
   * disk is full) must not take the whole server down as an unhandled rejection.
   */
  track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => this.logger.error({ err }, 'background work failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** Resolves when every flow step started so far has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
