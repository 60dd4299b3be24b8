/**
 * The crisis signal: new conversations counted per window, overall, per
 * channel and per topic tag; when the current window's volume jumps to
 * `factor` times its recent baseline (and past a floor), a `volume.spike`
 * event tells supervisors. Each key alerts once per window (recorded in the
 * store, so a restart does not repeat it).
 */
import type { Clock } from '../clock.js';
import type { DomainEvent, NewEvent } from '../domain.js';
import type { EventBus } from '../event-bus.js';
import type { DeskConfig } from '../queue/config.js';
import type { Store } from '../store/store.js';
import { forEachEvent } from './kpis.js';

const RAISED = 'volume-spikes';

export interface SpikeDeps {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
}

export interface VolumeSpike {
  readonly key: string;
  readonly current: number;
  readonly baseline: number;
  readonly windowStart: string;
}

/** Counts per key for the current window and the `baselineWindows` before it; returns the spikes. */
export async function findSpikes(store: Store, now: Date, cfg: DeskConfig['spike']): Promise<VolumeSpike[]> {
  const bucket = (t: number) => Math.floor(t / cfg.window);
  const current = bucket(now.getTime());
  const from = new Date((current - cfg.baselineWindows) * cfg.window);
  const counts = new Map<string, Map<number, number>>();
  const add = (key: string, b: number) => {
    const m = counts.get(key) ?? new Map<number, number>();
    m.set(b, (m.get(b) ?? 0) + 1);
    counts.set(key, m);
  };
  // Only the window's conversations are read: listing them all would parse the whole
  // archive, which on a large history cost more memory than the rest of the server.
  await forEachEvent(store, from, async (e) => {
    if (e.type !== 'conversation.opened') return;
    const b = bucket(new Date(e.at).getTime());
    if (b > current) return;
    add('all', b);
    if (typeof e.data.channel === 'string') add(`channel:${e.data.channel}`, b);
    for (const t of await topicsOf(store, e.conversationId)) add(`topic:${t}`, b);
  });
  const spikes: VolumeSpike[] = [];
  for (const [key, m] of counts) {
    const now_ = m.get(current) ?? 0;
    let sum = 0;
    for (let b = current - cfg.baselineWindows; b < current; b++) sum += m.get(b) ?? 0;
    const baseline = sum / cfg.baselineWindows;
    if (now_ >= cfg.minVolume && now_ >= cfg.factor * Math.max(baseline, 1)) {
      spikes.push({ key, current: now_, baseline, windowStart: new Date(current * cfg.window).toISOString() });
    }
  }
  return spikes.sort((a, b) => (a.key < b.key ? -1 : 1));
}

async function topicsOf(store: Store, conversationId: string | undefined): Promise<string[]> {
  const c = conversationId === undefined ? undefined : await store.getConversation(conversationId);
  return c ? [...new Set([...(c.topic ? [c.topic] : []), ...c.tags])] : [];
}

/** Raises `volume.spike` for each new spike; returns the events committed. */
export async function detectVolumeSpikes(deps: SpikeDeps, cfg: DeskConfig['spike']): Promise<DomainEvent[]> {
  const now = deps.clock.now();
  const events: NewEvent[] = [];
  const records = [];
  for (const s of await findSpikes(deps.store, now, cfg)) {
    const id = `${s.key}@${s.windowStart}`;
    if ((await deps.store.getRecord(RAISED, id)) !== undefined) continue;
    records.push({ collection: RAISED, id, value: { at: now.toISOString() } });
    const [scope, ...rest] = s.key.split(':');
    events.push({
      type: 'volume.spike',
      at: now.toISOString(),
      data: {
        scope,
        value: rest.join(':') || undefined,
        current: s.current,
        baseline: s.baseline,
        windowStart: s.windowStart,
      },
    });
  }
  if (events.length === 0) return [];
  const result = await deps.store.commit({ events, records });
  deps.bus.publish(result.events);
  return [...result.events];
}
