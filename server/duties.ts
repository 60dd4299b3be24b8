/**
 * The duties: the work one process of the desk does at a time, whichever
 * process that is: long polling Telegram, delivering the outbox, firing flow
 * timers, and the queue's clockwork (SLA warnings and breaches, escalation,
 * auto-reassign). A process alone on its store holds them from start; with
 * several processes on one database the coordinator hands them to one and,
 * when it dies, to another (docs/scale-out.md).
 *
 * Taking and giving up run one after the other, in the order they were asked.
 */
import type { FlowEngine, HumanDesk, Logger } from '../core/index.js';
import type { Channels } from './channels.js';

export interface DutyParts {
  readonly channels: Channels;
  readonly engine: FlowEngine;
  readonly human: HumanDesk;
  readonly logger: Logger;
}

export class Duties {
  private chain: Promise<void> = Promise.resolve();
  private held = false;

  constructor(private readonly parts: DutyParts) {}

  /** Whether this process does the duties now. */
  get holds(): boolean {
    return this.held;
  }

  take(): void {
    this.after(async () => {
      if (this.held) return;
      this.held = true;
      const { channels, engine, human } = this.parts;
      await channels.startDuties();
      engine.holdTimers(true);
      human.start();
    }, 'could not take the duties');
  }

  /**
   * Stops doing the duties. Lost (the coordination connection went, with the
   * database perhaps): replies already sent wait for their records, so that
   * whoever delivers next does not send them again; a shutdown does not wait
   * for a database that is away.
   */
  giveUp(why: 'lost' | 'shutdown'): void {
    this.after(async () => {
      if (!this.held) return;
      this.held = false;
      const { channels, engine, human } = this.parts;
      human.stop();
      engine.holdTimers(false);
      await channels.stopDuties({ handover: why === 'lost' });
    }, 'could not give the duties up cleanly');
  }

  /** Resolves once every change asked so far is done. */
  settled(): Promise<void> {
    return this.chain;
  }

  private after(change: () => Promise<void>, failure: string): void {
    this.chain = this.chain.then(change).catch((err: unknown) => this.parts.logger.error({ err }, failure));
  }
}
