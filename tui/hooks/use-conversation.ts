import { useCallback } from 'react';
import type { AdminClient, ConversationDetail, Viewer } from '../client.js';
import type { LiveFeed } from '../state/live-feed.js';
import { useLiveEvents } from './use-feed.js';
import { useReloaded } from './use-reloaded.js';

export interface ConversationData {
  readonly detail: ConversationDetail | undefined;
  readonly error: string | undefined;
  readonly reload: () => Promise<void>;
  readonly setViewers: (viewers: readonly Viewer[]) => void;
}

/** One conversation with its transcript, reloaded when an event about it arrives. */
export function useConversation(client: AdminClient, feed: LiveFeed, id: string): ConversationData {
  const {
    value: detail,
    setValue: setDetail,
    error,
    request,
    reload,
  } = useReloaded<ConversationDetail | undefined>(() => client.conversation(id), undefined, feed, {
    debounceMs: 50,
    minIntervalMs: 300,
  });

  const setViewers = useCallback(
    (viewers: readonly Viewer[]) => {
      setDetail((d) => (d ? { ...d, viewers: [...viewers] } : d));
    },
    [setDetail],
  );

  useLiveEvents(feed, (e) => {
    if (e.kind === 'viewers') {
      if (e.conversationId === id) setViewers(e.viewers);
    } else if (e.event.conversationId === id || (detail && e.event.customerId === detail.customer.id)) {
      request();
    }
  });

  return { detail, error, reload, setViewers };
}
