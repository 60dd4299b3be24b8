/**
 * The wait (and whether the team is open) a flow tells a customer who asks
 * for a person, by the SLA policy of the case as it will be queued: a channel
 * or priority whose policy runs around the clock is never told "we are
 * closed" because the desk's business hours say so.
 */
import { liveWaitEstimator, type WaitEstimator } from '../engine/wait.js';
import { businessHoursFor } from '../sla/timers.js';
import type { DeskConfig } from './config.js';

export function policyWaitEstimator(config: DeskConfig): WaitEstimator {
  const byHours = liveWaitEstimator(config.sla.businessHours);
  const aroundTheClock = liveWaitEstimator(undefined);
  return (store, now, joining) => {
    // Without the case as it will be queued (the engine could not plan it), the desk's hours.
    const hours = joining ? businessHoursFor(joining, config) : config.sla.businessHours;
    return (hours === undefined ? aroundTheClock : byHours)(store, now, joining);
  };
}
