/**
 * The Desk: caredesk's core, composed in one place. It holds what every part
 * shares (store, event bus, clock, logger, locks) and builds its parts from
 * the factories it is given, in a fixed order: the flow engine, then the
 * human side (which may hand conversations back to that engine). No part
 * plugs itself into another afterwards. A channel hands an update to
 * `receive()`; the whole path of a message is `receiveMessage` in
 * core/pipeline.ts.
 */
import { type Clock, systemClock } from './clock.js';
import { LiveSignals } from './cluster/live-signals.js';
import type { OutboxEntry } from './domain.js';
import { EventBus } from './event-bus.js';
import type { IngestResult } from './ingest.js';
import { type Logger, silentLogger } from './logger.js';
import {
  type ConversationEngine,
  type HumanSide,
  type MessagePath,
  type OutboxKick,
  receiveMessage,
  resumePending,
} from './pipeline.js';
import type { Store } from './store/store.js';
import { KeyedMutex, type Locks } from './util/keyed-mutex.js';

export type { Arrival, StoredIngest } from './ingest.js';
export type {
  ConversationEngine,
  HandoffPlanner,
  HumanDecision,
  HumanSide,
  MessageStep,
  OutboxKick,
} from './pipeline.js';

export interface DeskOptions {
  readonly store: Store;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** The flow a new conversation starts with, per channel (default `care`). */
  readonly flowFor?: (channel: string) => string;
  /** Builds the bot side (core/engine's FlowEngine); without one, messages are stored and nobody answers. */
  readonly engine?: (desk: Desk) => ConversationEngine;
  /** Builds the human side (core/queue's HumanDesk); without one, a handoff only queues the conversation. */
  readonly human?: (desk: Desk) => HumanSide;
  /**
   * The desk's key locks (a customer's, an identity's). Default: this process's
   * own; with several processes on one database, locks held across them
   * (core/cluster).
   */
  readonly locks?: Locks;
}

/**
 * The outbox's doorbell: whoever commits outbox entries rings it, and the
 * dispatcher (core/outbox), when one runs, listens.
 */
export class OutboxSignal implements OutboxKick {
  private readonly listeners = new Set<(entries?: readonly OutboxEntry[]) => void>();

  kick(entries?: readonly OutboxEntry[]): void {
    for (const listen of this.listeners) listen(entries);
  }

  /** Returns the function that stops listening. */
  listen(fn: (entries?: readonly OutboxEntry[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

export class Desk implements MessagePath {
  readonly store: Store;
  readonly bus = new EventBus();
  readonly clock: Clock;
  readonly logger: Logger;
  readonly locks: Locks;
  readonly flowFor: (channel: string) => string;
  readonly outbox = new OutboxSignal();
  /** Live news to and from the desk's other processes (viewers, typing, web chat pushes); nobody hears it alone. */
  readonly live = new LiveSignals();
  readonly engine: ConversationEngine | undefined;
  readonly human: HumanSide | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: DeskOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.locks = options.locks ?? new KeyedMutex();
    this.flowFor = options.flowFor ?? (() => 'care');
    this.engine = options.engine?.(this);
    this.human = options.human?.(this);
  }

  /** Stores a channel's update with its handling; resolves once it is durable (acknowledge the channel then). */
  receive(raw: unknown): Promise<IngestResult> {
    return receiveMessage(this, raw);
  }

  /** Handles the messages a crash left stored but unhandled; call at start-up, before the channels. */
  resumePending(): Promise<number> {
    return resumePending(this);
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

  /** Resolves when every background task started so far has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
