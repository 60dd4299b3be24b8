import { useCallback, useEffect, useRef, useState } from 'react';
import { type AdminClient, type ConversationDetail, describeError, type Viewer } from '../client.js';
import type { LiveFeed } from '../state/live-feed.js';
import { Reloader } from '../state/reloader.js';
import { useFeedStatus, useLiveEvents } from './use-feed.js';

export interface ConversationData {
  readonly detail: ConversationDetail | undefined;
  readonly error: string | undefined;
  readonly reload: () => Promise<void>;
  readonly setViewers: (viewers: readonly Viewer[]) => void;
}

/** One conversation with its transcript, reloaded when an event about it arrives. */
export function useConversation(client: AdminClient, feed: LiveFeed, id: string): ConversationData {
  const [detail, setDetail] = useState<ConversationDetail>();
  const [error, setError] = useState<string>();
  const reloader = useRef<Reloader>(undefined);
  reloader.current ??= new Reloader(
    async () => {
      try {
        setDetail(await client.conversation(id));
        setError(undefined);
      } catch (err) {
        setError(describeError(err));
      }
    },
    { debounceMs: 50, minIntervalMs: 300 },
  );

  useEffect(() => {
    const r = reloader.current!;
    void r.now();
    return () => r.stop();
  }, []);

  const { generation } = useFeedStatus(feed);
  useEffect(() => {
    if (generation > 0) void reloader.current!.now();
  }, [generation]);

  const setViewers = useCallback((viewers: readonly Viewer[]) => {
    setDetail((d) => (d ? { ...d, viewers: [...viewers] } : d));
  }, []);

  useLiveEvents(feed, (e) => {
    if (e.kind === 'viewers') {
      if (e.conversationId === id) setViewers(e.viewers);
    } else if (e.event.conversationId === id || (detail && e.event.customerId === detail.customer.id)) {
      reloader.current!.request();
    }
  });

  const reload = useCallback(() => reloader.current!.now(), []);
  return { detail, error, reload, setViewers };
}
