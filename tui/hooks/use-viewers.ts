import { useCallback, useRef, useState } from 'react';
import type { Viewer } from '../client.js';
import type { LiveFeed } from '../state/live-feed.js';
import { useLiveEvents } from './use-feed.js';

export interface ViewersData {
  /** Who is looking at a conversation, other than me. */
  readonly others: (conversationId: string) => readonly Viewer[];
  readonly version: number;
  /** What a conversation's detail said (it is fresher than no event at all). */
  readonly seed: (conversationId: string, viewers: readonly Viewer[]) => void;
}

/** The presence lock: who else is viewing or typing where, from `viewer.changed` events. */
export function useViewers(feed: LiveFeed, meId: string): ViewersData {
  const map = useRef(new Map<string, readonly Viewer[]>());
  const [version, setVersion] = useState(0);
  const put = useCallback((id: string, viewers: readonly Viewer[]) => {
    if (viewers.length === 0) map.current.delete(id);
    else map.current.set(id, viewers);
    setVersion((v) => v + 1);
  }, []);
  useLiveEvents(feed, (e) => {
    if (e.kind === 'viewers') put(e.conversationId, e.viewers);
  });
  // A new function when the map changed (version), so that memoised rows using it draw again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: version is the map's change counter
  const others = useCallback(
    (id: string) => (map.current.get(id) ?? []).filter((v) => v.agentId !== meId),
    [meId, version],
  );
  return { others, version, seed: put };
}
