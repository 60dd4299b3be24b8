/**
 * The expected wait for a human, from the live queue: how many conversations
 * wait now, how long agents recently took per conversation, how many agents
 * are online, and whether the team works now. The queue module may refine
 * this; the engine only needs a function of this shape.
 */
import type { Store } from '../store/store.js';
import type { WaitInfo } from './types.js';

export type WaitEstimator = (store: Store, now: Date) => Promise<WaitInfo>;

export interface BusinessHours {
  /** 0 = Sunday … 6 = Saturday, in UTC. */
  readonly days: readonly number[];
  /** Opening and closing hour, UTC, [open, close). */
  readonly openHour: number;
  readonly closeHour: number;
}

export const DEFAULT_BUSINESS_HOURS: BusinessHours = { days: [1, 2, 3, 4, 5], openHour: 8, closeHour: 20 };

/** Handle time assumed before the desk has any history. */
const DEFAULT_HANDLE_MINUTES = 6;
const RECENT_RESOLVED = 50;

export function isOpen(hours: BusinessHours, at: Date): boolean {
  const h = at.getUTCHours();
  return hours.days.includes(at.getUTCDay()) && h >= hours.openHour && h < hours.closeHour;
}

/** The next opening time strictly after `at` (or `at` itself if open). */
export function nextOpening(hours: BusinessHours, at: Date): Date {
  if (isOpen(hours, at)) return at;
  const t = new Date(at);
  t.setUTCMinutes(0, 0, 0);
  for (let i = 0; i < 24 * 8; i++) {
    t.setUTCHours(t.getUTCHours() + 1);
    if (isOpen(hours, t)) return t;
  }
  return t;
}

export function liveWaitEstimator(hours: BusinessHours = DEFAULT_BUSINESS_HOURS): WaitEstimator {
  return async (store, now) => {
    const queued = await store.listConversations({ modes: ['queued'] });
    const resolved = (await store.listConversations({ modes: ['resolved'], limit: RECENT_RESOLVED })).filter(
      (c) => c.sla.queuedAt && c.resolvedAt,
    );
    const handleMinutes =
      resolved.length === 0
        ? DEFAULT_HANDLE_MINUTES
        : resolved.reduce((sum, c) => sum + (Date.parse(c.resolvedAt!) - Date.parse(c.sla.queuedAt!)), 0) /
          resolved.length /
          60_000;
    const agents = (await store.listAgents()).filter((a) => a.presence === 'online');
    const seats = Math.max(
      1,
      agents.reduce((sum, a) => sum + a.capacity, 0),
    );
    const open = isOpen(hours, now);
    return {
      minutes: Math.max(1, Math.ceil(((queued.length + 1) * handleMinutes) / seats)),
      queueLength: queued.length,
      open,
      reopensAt: open ? undefined : nextOpening(hours, now).toISOString(),
    };
  };
}
