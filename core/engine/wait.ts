/**
 * The expected wait for a human, from the live queue: how many conversations
 * wait now, how much room the online agents have, how long recent cases
 * waited to be claimed and took to handle, and whether the team works now.
 * The engine only needs a function of this shape.
 */
import { agentLoads } from '../agents/agents.js';
import { type BusinessHours, nextOpening } from '../sla/business-hours.js';
import type { Store } from '../store/store.js';
import type { WaitInfo } from './types.js';

export type WaitEstimator = (store: Store, now: Date) => Promise<WaitInfo>;

/** Time an agent takes over a case (assigned to resolved), assumed before the desk has any history. */
const DEFAULT_HANDLE_MINUTES = 6;
/** Time from queued to claimed while an agent has room, assumed before the desk has any history. */
const DEFAULT_PICKUP_MINUTES = 1;
const RECENT_RESOLVED = 50;

const minutesBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 60_000;
const mean = (xs: readonly number[], fallback: number): number =>
  xs.length === 0 ? fallback : xs.reduce((sum, x) => sum + x, 0) / xs.length;

/**
 * The expected wait from the live queue, as a care team would work it out:
 * while an online agent has room for one more case, about as long as
 * recent cases waited to be claimed; otherwise the cases ahead (beyond the
 * free seats) are handled at the desk's recent pace, `seats` at a time. With
 * nobody online the team is counted as one seat.
 *
 * `hours`: the desk's business hours (`desk.sla.businessHours` in the config);
 * without them the team counts as working around the clock, as the SLA clocks do.
 */
export function liveWaitEstimator(hours?: BusinessHours): WaitEstimator {
  return async (store, now) => {
    const queued = await store.listConversations({ modes: ['queued'] });
    const recent = (await store.listConversations({ modes: ['resolved'], limit: RECENT_RESOLVED })).filter(
      (c) => c.sla.assignedAt !== undefined && c.resolvedAt !== undefined,
    );
    const handleMinutes = mean(
      recent.map((c) => minutesBetween(c.sla.assignedAt!, c.resolvedAt!)),
      DEFAULT_HANDLE_MINUTES,
    );
    const pickupMinutes = mean(
      recent.flatMap((c) => (c.sla.queuedAt ? [minutesBetween(c.sla.queuedAt, c.sla.assignedAt!)] : [])),
      DEFAULT_PICKUP_MINUTES,
    );
    const online = (await store.listAgents()).filter((a) => a.presence === 'online');
    const loads = online.length === 0 ? new Map<string, number>() : await agentLoads(store);
    const seats = online.reduce((sum, a) => sum + a.capacity, 0);
    const free = online.reduce((sum, a) => sum + Math.max(0, a.capacity - (loads.get(a.id) ?? 0)), 0);
    const ahead = queued.length;
    const minutes = ahead < free ? pickupMinutes : ((ahead - free + 1) * handleMinutes) / Math.max(1, seats);
    // Open now exactly when the next opening is now: one walk over the hours, not two.
    const opening = nextOpening(now, hours);
    const open = opening?.getTime() === now.getTime();
    return {
      minutes: Math.max(1, Math.ceil(minutes)),
      queueLength: ahead,
      open,
      reopensAt: open ? undefined : opening?.toISOString(),
    };
  };
}
