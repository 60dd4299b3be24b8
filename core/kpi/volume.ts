/**
 * Message volume per hour (inbound from customers, outbound to them), read
 * from the stored events: what the desk's sparkline draws.
 */
import type { z } from 'zod';
import type { HourVolumeSchema } from '../contract/shapes.js';
import type { Store } from '../store/store.js';
import { forEachEvent } from './kpis.js';

const HOUR = 3_600_000;

/** Messages in and out in one hour (`hour`: its start, ISO, UTC); the admin API's shape (core/contract). */
export type HourlyVolume = z.infer<typeof HourVolumeSchema>;

/** The last `hours` hours up to and including the current one, oldest first; every hour present, zeros too. */
export async function hourlyVolume(store: Store, now: Date, hours = 12): Promise<HourlyVolume[]> {
  const current = Math.floor(now.getTime() / HOUR);
  const first = current - hours + 1;
  const counts = Array.from({ length: hours }, () => ({ inbound: 0, outbound: 0 }));
  // A page at a time: a busy desk's 12 hours are millions of events, not to be held at once.
  await forEachEvent(store, new Date(first * HOUR), (e) => {
    const slot = counts[Math.floor(Date.parse(e.at) / HOUR) - first];
    // Notes (`note.added`) and edits stay out: they are not traffic with the customer.
    if (slot && e.type === 'message.received') slot.inbound++;
    else if (slot && e.type === 'message.sent') slot.outbound++;
  });
  return counts.map((c, i) => ({ hour: new Date((first + i) * HOUR).toISOString(), ...c }));
}
