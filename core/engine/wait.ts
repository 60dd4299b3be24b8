/**
 * The expected wait for a human, from the live queue: how many conversations
 * wait now, how long agents recently took per conversation, how many agents
 * are online, and whether the team works now. The queue module may refine
 * this; the engine only needs a function of this shape.
 */
import { type BusinessHours, isOpen, nextOpening } from '../sla/business-hours.js';
import type { Store } from '../store/store.js';
import type { WaitInfo } from './types.js';

export type WaitEstimator = (store: Store, now: Date) => Promise<WaitInfo>;

/** Handle time assumed before the desk has any history. */
const DEFAULT_HANDLE_MINUTES = 6;
const RECENT_RESOLVED = 50;

/**
 * `hours`: the desk's business hours (`desk.sla.businessHours` in the config);
 * without them the team counts as working around the clock, as the SLA clocks do.
 */
export function liveWaitEstimator(hours?: BusinessHours): WaitEstimator {
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
    const open = isOpen(now, hours);
    return {
      minutes: Math.max(1, Math.ceil(((queued.length + 1) * handleMinutes) / seats)),
      queueLength: queued.length,
      open,
      reopensAt: open ? undefined : nextOpening(now, hours)?.toISOString(),
    };
  };
}
