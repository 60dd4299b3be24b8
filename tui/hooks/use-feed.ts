import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { LiveEvent } from '../client.js';
import type { FeedStatus, LiveFeed } from '../state/live-feed.js';

export function useFeedStatus(feed: LiveFeed): FeedStatus {
  return useSyncExternalStore(
    (l) => feed.onStatus(l),
    () => feed.status,
  );
}

/** Calls `listener` for each live event (always the latest listener: no resubscription per render). */
export function useLiveEvents(feed: LiveFeed, listener: (event: LiveEvent) => void): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => feed.subscribe((e) => ref.current(e)), [feed]);
}
