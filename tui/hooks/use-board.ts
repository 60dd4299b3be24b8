import { useCallback, useEffect, useRef, useState } from 'react';
import { type AdminClient, describeError } from '../client.js';
import { ConversationSet } from '../state/board.js';
import type { LiveFeed } from '../state/live-feed.js';
import { Reloader } from '../state/reloader.js';
import { useFeedStatus, useLiveEvents } from './use-feed.js';

/** The board's limit: the server sorts by urgency, so what a limit leaves out is the least urgent. */
export const BOARD_LIMIT = 10_000;

export interface BoardData {
  readonly set: ConversationSet;
  /** Changes whenever the set did (batched: at most one render per `flushMs`). */
  readonly version: number;
  readonly loaded: boolean;
  readonly error: string | undefined;
  readonly reload: () => Promise<void>;
}

/** Every open conversation, kept live: events patch it at once, a coalesced reload fills in the rest. */
export function useBoard(client: AdminClient, feed: LiveFeed, flushMs = 100): BoardData {
  const setRef = useRef<ConversationSet>(undefined);
  setRef.current ??= new ConversationSet();
  const set = setRef.current;
  const [version, setVersion] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();
  const flushTimer = useRef<NodeJS.Timeout>(undefined);

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
        set.replace(rows);
        setError(undefined);
        setLoaded(true);
        setVersion(set.version);
      } catch (err) {
        setError(describeError(err));
      }
    },
    { minIntervalMs: 2000 },
  );

  useEffect(() => {
    const r = reloader.current!;
    void r.now();
    return () => {
      r.stop();
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
    if (set.apply(e.event)) reloader.current!.request();
    if (set.version !== before) flush();
  });

  const reload = useCallback(() => reloader.current!.now(), []);
  return { set, version, loaded, error, reload };
}
