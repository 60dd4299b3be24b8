/**
 * Presence follows the agent's terminal: the TUI holds the live event stream
 * open for as long as it runs, so an agent with no open stream for
 * `desk.presence.awayAfterDisconnect` has walked away from the desk (a closed
 * laptop, a lost network). An online agent then becomes `away` and gets no
 * new assignments; their first stream back makes them `online` again, unless
 * they had set themselves away (HumanDesk keeps which, on the agent).
 * In memory, per server process: a stream is a connection to this process.
 * With several processes, one whose streams of an agent all closed may set
 * them away while their TUI is connected to another process; that one puts
 * them back online at its next look (`recheckMs`, default 15 s).
 */
import type { HumanDesk } from '../../core/index.js';

export interface StreamPresenceOptions {
  /** No stream this long: away. `false`: presence does not follow the streams. */
  readonly awayAfterMs: number | false;
  readonly onError?: (err: unknown) => void;
  /** How often the agents with a stream open here are looked at again (default 15 s). */
  readonly recheckMs?: number;
}

export class StreamPresence {
  private readonly open = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private recheck: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly human: Pick<HumanDesk, 'awayWhileDisconnected' | 'backOnReconnect' | 'desk'>,
    private readonly options: StreamPresenceOptions,
  ) {}

  /** An event stream of this agent opened; call the function returned when it closes. */
  connected(agentId: string): () => void {
    if (this.options.awayAfterMs === false) return () => undefined;
    const before = this.open.get(agentId) ?? 0;
    this.open.set(agentId, before + 1);
    clearTimeout(this.timers.get(agentId));
    this.timers.delete(agentId);
    if (before === 0) this.run(this.human.backOnReconnect(agentId));
    this.armRecheck();
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.disconnected(agentId);
    };
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    clearInterval(this.recheck);
    this.recheck = undefined;
  }

  /** While someone is connected here: set away by another process, they are back online from this one. */
  private armRecheck(): void {
    if (this.recheck || this.stopped) return;
    this.recheck = setInterval(() => {
      if (this.open.size === 0) {
        clearInterval(this.recheck);
        this.recheck = undefined;
        return;
      }
      for (const agentId of this.open.keys()) this.run(this.human.backOnReconnect(agentId));
    }, this.options.recheckMs ?? 15_000);
    this.recheck.unref();
  }

  private disconnected(agentId: string): void {
    const left = (this.open.get(agentId) ?? 1) - 1;
    if (left > 0) {
      this.open.set(agentId, left);
      return;
    }
    this.open.delete(agentId);
    const after = this.options.awayAfterMs;
    if (after === false || this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(agentId);
      if (!this.stopped && !this.open.has(agentId)) this.run(this.human.awayWhileDisconnected(agentId));
    }, after);
    timer.unref();
    this.timers.set(agentId, timer);
  }

  private run(work: Promise<boolean>): void {
    this.human.desk.track(
      work.then(
        () => undefined,
        (err: unknown) => this.options.onError?.(err),
      ),
    );
  }
}
