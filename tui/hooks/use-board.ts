import { useCallback, useEffect, useRef, useState } from 'react';
import { AdminApiError, type AdminClient, describeError } from '../client.js';
import { ConversationSet } from '../state/board.js';
import type { LiveFeed } from '../state/live-feed.js';
import { Reloader } from '../state/reloader.js';
import { useFeedStatus, useLiveEvents } from './use-feed.js';

/** The board's limit: the server sorts by urgency, so what a limit leaves out is the least urgent. */
export const BOARD_LIMIT = 10_000;
/** Conversations fetched one by one per round; when more wait than a few rounds take, everything is reloaded. */
const BATCH = 20;
const BACKLOG = 200;
/** A full reload now and then catches what no event said (and conversations beyond the limit moving in). */
const SWEEP_MS = 60_000;

export interface BoardData {
  readonly set: ConversationSet;
  /** Changes whenever the set did (batched: at most one render per `flushMs`). */
  readonly version: number;
  readonly loaded: boolean;
  readonly error: string | undefined;
  readonly reload: () => Promise<void>;
}

/**
 * Every open conversation, kept live. An event is applied to its row at
 * once; when it changes what it does not carry (a new conversation, a new
 * preview or deadline) that one conversation is fetched again, in small
 * coalesced batches. The whole list (10,000 rows through zod) is only
 * loaded at start, after a reconnect, on R, when the batches fall far
 * behind, and once a minute.
 */
export function useBoard(client: AdminClient, feed: LiveFeed, flushMs = 100): BoardData {
  const setRef = useRef<ConversationSet>(undefined);
  setRef.current ??= new ConversationSet();
  const set = setRef.current;
  const [version, setVersion] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();
  const flushTimer = useRef<NodeJS.Timeout>(undefined);
  const stale = useRef(new Set<string>());

  const flush = useCallback(() => {
    if (flushTimer.current) return;
    flushTimer.current = setTimeout(() => {
      flushTimer.current = undefined;
      setVersion(set.version);
    }, flushMs);
  }, [set, flushMs]);

  const reloader = useRef<Reloader>(undefined);
  reloader.current ??= new Reloader(
    async () => {
      try {
        const rows = await client.conversations({ mode: ['queued', 'agent', 'bot'], limit: BOARD_LIMIT });
        stale.current.clear();
        set.replace(rows);
        setError(undefined);
        setLoaded(true);
        setVersion(set.version);
      } catch (err) {
        setError(describeError(err));
      }
    },
    { minIntervalMs: 5000 },
  );

  const refetcher = useRef<Reloader>(undefined);
  refetcher.current ??= new Reloader(
    async () => {
      const ids = [...stale.current].slice(0, BATCH);
      for (const id of ids) stale.current.delete(id);
      await Promise.all(
        ids.map((id) =>
          client.conversation(id).then(
            (detail) => set.putDetail(detail, new Date()),
            (err: unknown) => {
              if (err instanceof AdminApiError && err.code === 'E_NOT_FOUND') set.forget(id);
            },
          ),
        ),
      );
      flush();
      if (stale.current.size > 0) refetcher.current!.request();
    },
    { debounceMs: 100, minIntervalMs: 250 },
  );

  useEffect(() => {
    const r = reloader.current!;
    const f = refetcher.current!;
    void r.now();
    const sweep = setInterval(() => r.request(), SWEEP_MS);
    return () => {
      r.stop();
      f.stop();
      clearInterval(sweep);
      clearTimeout(flushTimer.current);
    };
  }, []);

  const { generation } = useFeedStatus(feed);
  useEffect(() => {
    if (generation > 0) void reloader.current!.now();
  }, [generation]);

  useLiveEvents(feed, (e) => {
    if (e.kind !== 'domain') return;
    const before = set.version;
    if (set.apply(e.event) && e.event.conversationId) {
      stale.current.add(e.event.conversationId);
      if (stale.current.size > BACKLOG) {
        stale.current.clear();
        reloader.current!.request();
      } else refetcher.current!.request();
    }
    if (set.version !== before) flush();
  });

  const reload = useCallback(() => reloader.current!.now(), []);
  return { set, version, loaded, error, reload };
}
