/**
 * Who else has a conversation open: every screen reports "viewing",
 * "typing" or "left", and sees the others. In memory only (a presence lock,
 * not a fact worth storing): an entry lapses 30 s after its last refresh, so
 * a client that vanished without saying "left" drops out by itself. Changes
 * go out on the event stream as `viewer.changed`.
 */
import type { FastifyInstance } from 'fastify';
import {
  type Agent,
  type AnswerOf,
  type Desk,
  IdParamsSchema,
  type LiveSignals,
  NotFoundError,
  type Viewer,
  type ViewerActivity,
  ViewerReportSchema,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { agentOf } from './auth.js';
import { parseInput } from './input.js';

export type { Viewer, ViewerActivity };

/** The live signal a report travels as between processes. */
const VIEWER_SIGNAL = 'viewer';

export type ViewerListener = (conversationId: string, viewers: readonly Viewer[]) => void;

export interface ViewerRegistryOptions {
  /** Default 30 s. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

interface Entry {
  viewer: Viewer;
  refreshedAt: number;
}

export class ViewerRegistry {
  private readonly byConversation = new Map<string, Map<string, Entry>>();
  private readonly listeners = new Set<ViewerListener>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private live: LiveSignals | undefined;

  constructor(options: ViewerRegistryOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  onChange(listener: ViewerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Shares the reports with the desk's other processes: an agent whose
   * terminal is connected to another process is seen here too, and a web
   * chat visitor connected here sees that agent typing.
   */
  shareWith(live: LiveSignals): () => void {
    this.live = live;
    return live.on(VIEWER_SIGNAL, (d) => {
      const { conversationId, agentId, name, activity } = d;
      if (typeof conversationId !== 'string' || typeof agentId !== 'string' || typeof name !== 'string') return;
      const report = ViewerReportSchema.safeParse({ activity });
      if (!report.success) return;
      this.report(conversationId, { id: agentId, name }, report.data.activity, 'elsewhere');
    });
  }

  /** Records what an agent does in a conversation; returns everyone there now. */
  report(
    conversationId: string,
    agent: Pick<Agent, 'id' | 'name'>,
    activity: ViewerActivity | 'left',
    from: 'here' | 'elsewhere' = 'here',
  ): Viewer[] {
    // Refreshes too: they keep the entry alive in the other processes.
    if (from === 'here')
      this.live?.tell(VIEWER_SIGNAL, { conversationId, agentId: agent.id, name: agent.name, activity });
    this.sweep();
    const now = this.now();
    const entries = this.byConversation.get(conversationId) ?? new Map<string, Entry>();
    const before = entries.get(agent.id);
    let changed = false;
    if (activity === 'left') {
      changed = entries.delete(agent.id);
    } else if (before && before.viewer.activity === activity && before.viewer.name === agent.name) {
      // A refresh keeps the entry alive; nobody else needs to hear about it.
      before.refreshedAt = now;
    } else {
      const since = new Date(now).toISOString();
      entries.set(agent.id, { viewer: { agentId: agent.id, name: agent.name, activity, since }, refreshedAt: now });
      changed = true;
    }
    if (entries.size > 0) this.byConversation.set(conversationId, entries);
    else this.byConversation.delete(conversationId);
    this.arm();
    const viewers = this.list(conversationId);
    if (changed) this.emit(conversationId, viewers);
    return viewers;
  }

  /** Oldest arrival first. */
  list(conversationId: string): Viewer[] {
    const now = this.now();
    return [...(this.byConversation.get(conversationId)?.values() ?? [])]
      .filter((e) => now - e.refreshedAt < this.ttlMs)
      .map((e) => e.viewer)
      .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0));
  }

  /** Drops lapsed entries and tells the listeners; returns the conversations that changed. */
  sweep(): string[] {
    const now = this.now();
    const changed: string[] = [];
    for (const [conversationId, entries] of this.byConversation) {
      let lapsed = false;
      for (const [agentId, e] of entries) {
        if (now - e.refreshedAt >= this.ttlMs) {
          entries.delete(agentId);
          lapsed = true;
        }
      }
      if (entries.size === 0) this.byConversation.delete(conversationId);
      if (lapsed) changed.push(conversationId);
    }
    for (const id of changed) this.emit(id, this.list(id));
    return changed;
  }

  /** Stops the expiry timer (server shutdown). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private emit(conversationId: string, viewers: readonly Viewer[]): void {
    for (const listener of this.listeners) {
      try {
        listener(conversationId, viewers);
      } catch {
        // One broken stream must not keep the others from hearing it.
      }
    }
  }

  /** A timer only while someone is viewing, due when the next entry lapses. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const entries of this.byConversation.values()) {
      for (const e of entries.values()) next = Math.min(next, e.refreshedAt + this.ttlMs);
    }
    if (next === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(
      () => {
        this.sweep();
        this.arm();
      },
      Math.max(10, next - this.now()),
    );
    this.timer.unref();
  }
}

/**
 * Each server's registry by its desk, for a channel that shows the customer
 * an agent's typing (Web Chat): channels are made before the admin API that
 * makes the registry, so they look it up when they listen (after start-up).
 */
const registries = new WeakMap<Desk, ViewerRegistry>();

/** The viewer changes of `desk`'s admin API, as a channel subscribes to them; none if it has no admin API. */
export function viewerChangesOf(desk: Desk): Pick<ViewerRegistry, 'onChange'> {
  return { onChange: (listener) => registries.get(desk)?.onChange(listener) ?? (() => false) };
}

export function viewerRoutes(scope: FastifyInstance, { desk }: ServerContext, viewers: ViewerRegistry): void {
  registries.set(desk, viewers);
  scope.post(
    '/admin/v1/conversations/:id/viewers',
    async (request): Promise<AnswerOf<'POST /admin/v1/conversations/:id/viewers'>> => {
      const { id } = parseInput(IdParamsSchema, request.params, 'The path');
      const { activity } = parseInput(ViewerReportSchema, request.body, 'The body');
      if (!(await desk.store.getConversation(id))) throw new NotFoundError('conversation', id);
      return { viewers: viewers.report(id, agentOf(request), activity) };
    },
  );
}
