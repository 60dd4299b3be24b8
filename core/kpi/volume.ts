/**
 * Message volume per hour (inbound from customers, outbound to them), read
 * from the stored events: what the desk's sparkline draws.
 */
import type { Store } from '../store/store.js';
import { allEvents } from './kpis.js';

const HOUR = 3_600_000;

export interface HourlyVolume {
  /** Start of the hour (ISO, UTC). */
  readonly hour: string;
  readonly inbound: number;
  readonly outbound: number;
}

/** The last `hours` hours up to and including the current one, oldest first; every hour present, zeros too. */
export async function hourlyVolume(store: Store, now: Date, hours = 12): Promise<HourlyVolume[]> {
  const current = Math.floor(now.getTime() / HOUR);
  const first = current - hours + 1;
  const counts = Array.from({ length: hours }, () => ({ inbound: 0, outbound: 0 }));
  for (const e of await allEvents(store, new Date(first * HOUR))) {
    const i = Math.floor(new Date(e.at).getTime() / HOUR) - first;
    const slot = counts[i];
    if (!slot) continue;
    // Notes (`note.added`) and edits stay out: they are not traffic with the customer.
    if (e.type === 'message.received') slot.inbound++;
    else if (e.type === 'message.sent') slot.outbound++;
  }
  return counts.map((c, i) => ({ hour: new Date((first + i) * HOUR).toISOString(), ...c }));
}
