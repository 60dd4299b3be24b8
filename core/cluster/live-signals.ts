/**
 * Small live news between the desk's processes that is not worth storing:
 * who views or types in a conversation, a failed sign-in, a web chat visitor
 * who has new activities to be pushed. A part tells its kind of news here and
 * listens for the same kind from the others; the coordinator carries it
 * (PostgreSQL NOTIFY). Alone on its store, a process tells nobody.
 *
 * A signal is sent to the OTHER processes only: the teller has already acted
 * on it itself.
 */
import type { Logger } from '../logger.js';
import type { Coordination } from './coordination.js';

export type LiveHandler = (data: Record<string, unknown>) => void;

export class LiveSignals {
  private readonly handlers = new Map<string, Set<LiveHandler>>();
  private coordination: Coordination | undefined;
  private logger: Logger | undefined;

  /** From now on, signals go to the desk's other processes through `coordination`. */
  connect(coordination: Coordination, logger: Logger): void {
    this.coordination = coordination.shared ? coordination : undefined;
    this.logger = logger;
  }

  /** Listens for one kind of signal from the other processes. Returns the function that stops. */
  on(kind: string, handler: LiveHandler): () => void {
    let set = this.handlers.get(kind);
    if (!set) {
      set = new Set();
      this.handlers.set(kind, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Whether the other processes can hear anything (false alone). */
  get shared(): boolean {
    return this.coordination !== undefined;
  }

  /** Tells the other processes; lost news is only late news (a view lapses, a push is polled), so failures are logged, not thrown. */
  tell(kind: string, data: Record<string, unknown>): void {
    this.coordination?.announce({ ...data, kind }).catch((err: unknown) => {
      this.logger?.debug({ err, kind }, 'live signal not sent');
    });
  }

  /** A signal another process sent (the coordinator calls it). */
  heard(payload: unknown): void {
    if (typeof payload !== 'object' || payload === null) return;
    const data = payload as Record<string, unknown>;
    if (typeof data.kind !== 'string') return;
    for (const handler of this.handlers.get(data.kind) ?? []) {
      try {
        handler(data);
      } catch (err) {
        this.logger?.error({ err, kind: data.kind }, 'live signal handler failed');
      }
    }
  }
}
