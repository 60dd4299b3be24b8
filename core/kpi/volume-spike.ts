/**
 * The crisis signal: new conversations counted per window, overall, per
 * channel and per topic tag; when the current window's volume jumps to
 * `factor` times its recent baseline (and past a floor), a `volume.spike`
 * event tells supervisors. Each key alerts once per window (recorded in the
 * store, so a restart does not repeat it).
 *
 * The counts are kept up to date from the live events and saved in the store
 * at each round, so a round reads nothing and a restart reads only the events
 * since the last save. Counting them again from the stored events every round
 * read the whole baseline's history each time: on a desk of 100,000
 * conversations a day, a gigabyte of journal every 30 seconds.
 */
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { DomainEvent, NewEvent } from '../domain.js';
import { EventBus } from '../event-bus.js';
import type { DeskConfig } from '../queue/config.js';
import type { Store } from '../store/store.js';
import { forEachEvent } from './kpis.js';

const RAISED = 'volume-spikes';
/** The events count() looks at: conversations opened, and topics (of a tag or a handoff). */
const COUNTED = ['conversation.opened', 'conversation.tagged', 'handoff.requested'];
/** Where the counts are saved between rounds and restarts (one record). */
const COUNTS = 'volume-counts';
const COUNTS_ID = 'windows';

type SpikeConfig = DeskConfig['spike'];

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

/** Counts as saved: the last event counted, and per window number its counts per key. */
const SavedCountsSchema = z.object({
  seq: z.number().int().nonnegative(),
  windows: z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())),
});

/**
 * New conversations per window and key (`all`, `channel:X`, `topic:T`). A
 * conversation counts under a topic once, in the window where the topic was
 * first raised for it (a handoff's topic or a tag); which topics were counted
 * is not saved, so after a restart a topic raised again for the same
 * conversation counts again (rare, and it only raises a count).
 */
export class VolumeCounter {
  private readonly windows = new Map<number, Map<string, number>>();
  /** Topics already counted per conversation (windows still kept only): a second tag is not a second case. */
  private readonly topics = new Map<string, { window: number; topics: string[] }>();
  private seq = 0;
  private saved = true;
  private loading: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: SpikeDeps,
    private readonly cfg: SpikeConfig,
  ) {}

  /** Loads the saved counts, counts the events stored since, then follows the live events. Once. */
  start(now: Date): Promise<void> {
    this.loading ??= this.load(now);
    return this.loading;
  }

  /** Stops following the events; a later `start` loads again from the store. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.loading = undefined;
    this.windows.clear();
    this.topics.clear();
    this.seq = 0;
    this.saved = true;
  }

  private async load(now: Date): Promise<void> {
    const { store, bus } = this.deps;
    const arrived: DomainEvent[] = [];
    let following = false;
    // Subscribed before reading where the store is: an event is either stored by then or arrives here.
    // The desk's volume, whichever process took the conversations in.
    this.unsubscribe = bus.subscribe(
      (e) => {
        if (following) this.count(e);
        else arrived.push(e);
      },
      undefined,
      { elsewhereToo: true, types: COUNTED },
    );
    const stored = await store.lastEventSeq();
    const saved = SavedCountsSchema.safeParse(await store.getRecord(COUNTS, COUNTS_ID));
    const oldest = this.windowOf(now.getTime()) - this.cfg.baselineWindows;
    if (saved.success && saved.data.seq <= stored) {
      for (const [window, counts] of Object.entries(saved.data.windows)) {
        if (Number(window) >= oldest) this.windows.set(Number(window), new Map(Object.entries(counts)));
      }
      this.seq = saved.data.seq;
    }
    await forEachEvent(store, new Date(oldest * this.cfg.window), (e) => this.count(e), {
      afterSeq: this.seq,
      toSeq: stored,
    });
    this.seq = Math.max(this.seq, stored);
    for (const e of arrived) if (e.seq > stored) this.count(e);
    following = true;
  }

  private windowOf(ms: number): number {
    return Math.floor(ms / this.cfg.window);
  }

  private count(e: DomainEvent): void {
    this.seq = Math.max(this.seq, e.seq);
    const window = this.windowOf(Date.parse(e.at));
    if (e.type === 'conversation.opened') {
      this.add('all', window);
      if (typeof e.data.channel === 'string') this.add(`channel:${e.data.channel}`, window);
      return;
    }
    const topic =
      e.type === 'conversation.tagged' ? e.data.tag : e.type === 'handoff.requested' ? e.data.topic : undefined;
    if (typeof topic !== 'string' || topic === '' || e.conversationId === undefined) return;
    const seen = this.topics.get(e.conversationId) ?? { window, topics: [] };
    if (seen.topics.includes(topic)) return;
    seen.topics.push(topic);
    this.topics.set(e.conversationId, seen);
    this.add(`topic:${topic}`, seen.window);
  }

  private add(key: string, window: number): void {
    const counts = this.windows.get(window) ?? new Map<string, number>();
    counts.set(key, (counts.get(key) ?? 0) + 1);
    this.windows.set(window, counts);
    this.saved = false;
  }

  /** The keys whose current window is a spike at `now`; forgets windows older than the baseline. */
  spikes(now: Date): VolumeSpike[] {
    const current = this.windowOf(now.getTime());
    const oldest = current - this.cfg.baselineWindows;
    for (const window of this.windows.keys()) if (window < oldest) this.windows.delete(window);
    for (const [id, seen] of this.topics) if (seen.window < oldest) this.topics.delete(id);
    const spikes: VolumeSpike[] = [];
    for (const [key, now_] of this.windows.get(current) ?? []) {
      let sum = 0;
      for (let w = oldest; w < current; w++) sum += this.windows.get(w)?.get(key) ?? 0;
      const baseline = sum / this.cfg.baselineWindows;
      if (now_ >= this.cfg.minVolume && now_ >= this.cfg.factor * Math.max(baseline, 1)) {
        spikes.push({ key, current: now_, baseline, windowStart: new Date(current * this.cfg.window).toISOString() });
      }
    }
    return spikes.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** Raises `volume.spike` for each new spike at `now` and saves the counts; returns the events committed. */
  async detect(now: Date): Promise<DomainEvent[]> {
    await this.start(now);
    const { store, bus } = this.deps;
    const events: NewEvent[] = [];
    const records = [];
    for (const s of this.spikes(now)) {
      const id = `${s.key}@${s.windowStart}`;
      if ((await store.getRecord(RAISED, id)) !== undefined) continue;
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
    if (!this.saved) {
      const windows = Object.fromEntries([...this.windows].map(([w, counts]) => [w, Object.fromEntries(counts)]));
      records.push({ collection: COUNTS, id: COUNTS_ID, value: { seq: this.seq, windows } });
      this.saved = true;
    }
    if (records.length === 0) return [];
    const result = await store.commit({ events, records });
    bus.publish(result.events);
    return [...result.events];
  }
}

/** The spikes at `now`, counted from the stored events (a one-off: a running desk keeps a VolumeCounter). */
export async function findSpikes(store: Store, now: Date, cfg: SpikeConfig): Promise<VolumeSpike[]> {
  const counter = new VolumeCounter({ store, bus: new EventBus(), clock: { now: () => now } as Clock }, cfg);
  await counter.start(now);
  return counter.spikes(now);
}

/** Raises `volume.spike` for each new spike, counting from the stored events (a one-off, as `findSpikes`). */
export async function detectVolumeSpikes(deps: SpikeDeps, cfg: SpikeConfig): Promise<DomainEvent[]> {
  const counter = new VolumeCounter({ ...deps, bus: new EventBus() }, cfg);
  try {
    const raised = await counter.detect(deps.clock.now());
    deps.bus.publish(raised);
    return raised;
  } finally {
    counter.stop();
  }
}
