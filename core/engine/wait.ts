/**
 * The expected wait for a human, from the live queue: how many conversations
 * wait now, how much room the online agents have, how long recent cases
 * waited to be claimed and took to handle, and whether the team works now.
 * The engine only needs a function of this shape.
 */
import { agentLoads } from '../agents/agents.js';
import type { Conversation } from '../domain.js';
import { placeAmong } from '../queue/queue-view.js';
import { type BusinessHours, nextOpening } from '../sla/business-hours.js';
import type { Store } from '../store/store.js';
import type { WaitInfo } from './types.js';

/** `joining`: the conversation as it will stand in the queue once handed off, when the caller knows it. */
export type WaitEstimator = (store: Store, now: Date, joining?: Conversation) => Promise<WaitInfo>;

/** Time an agent takes over a case (assigned to resolved), assumed before the desk has any history. */
const DEFAULT_HANDLE_MINUTES = 6;
/** Time from queued to claimed while an agent has room, assumed before the desk has any history. */
const DEFAULT_PICKUP_MINUTES = 1;
const RECENT_RESOLVED = 50;

const minutesBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 60_000;
const mean = (xs: readonly number[], fallback: number): number =>
  xs.length === 0 ? fallback : xs.reduce((sum, x) => sum + x, 0) / xs.length;

/** How fast the desk works now: recent pickup and handling times, and the online agents' room. */
export interface DeskPace {
  readonly pickupMinutes: number;
  readonly handleMinutes: number;
  readonly seats: number;
  readonly free: number;
}

/** The desk's pace now; `skill`: count only the online agents who have it (all when none is needed). */
export async function deskPace(store: Store, skill?: string): Promise<DeskPace> {
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
  const online = (await store.listAgents()).filter(
    (a) => a.presence === 'online' && (skill === undefined || a.skills.includes(skill)),
  );
  const loads = online.length === 0 ? new Map<string, number>() : await agentLoads(store);
  const seats = online.reduce((sum, a) => sum + a.capacity, 0);
  const free = online.reduce((sum, a) => sum + Math.max(0, a.capacity - (loads.get(a.id) ?? 0)), 0);
  return { pickupMinutes, handleMinutes, seats, free };
}

/**
 * Minutes until a human answers a customer with `ahead` cases before them,
 * as a care team would work it out: while an online agent has room for one
 * more case, about as long as recent cases waited to be claimed; otherwise
 * the cases ahead (beyond the free seats) are handled at the desk's recent
 * pace, `seats` at a time. With nobody online the team is counted as one seat.
 */
export function minutesToWait(ahead: number, pace: DeskPace): number {
  const minutes =
    ahead < pace.free ? pace.pickupMinutes : ((ahead - pace.free + 1) * pace.handleMinutes) / Math.max(1, pace.seats);
  return Math.max(1, Math.ceil(minutes));
}

/**
 * The expected wait from the live queue (see `minutesToWait`). Given the
 * conversation as it will be queued (`joining`: its skill, priority and SLA
 * clocks), the cases ahead are those before it in its own line, in the
 * queue's order (`placeAmong`): the place the queue row will show. Without
 * it, the whole queue is ahead.
 *
 * `hours`: the desk's business hours (`desk.sla.businessHours` in the config);
 * without them the team counts as working around the clock, as the SLA clocks do.
 */
export function liveWaitEstimator(hours?: BusinessHours): WaitEstimator {
  return async (store, now, joining) => {
    const queued = await store.listConversations({ modes: ['queued'] });
    const ahead = joining ? placeAmong(queued, joining).place - 1 : queued.length;
    const pace = await deskPace(store, joining?.skill);
    // Open now exactly when the next opening is now: one walk over the hours, not two.
    const opening = nextOpening(now, hours);
    const open = opening?.getTime() === now.getTime();
    return {
      minutes: minutesToWait(ahead, pace),
      queueLength: ahead,
      open,
      reopensAt: open ? undefined : opening?.toISOString(),
    };
  };
}
