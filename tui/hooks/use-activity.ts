import { useEffect, useRef } from 'react';
import type { AdminClient, Viewer } from '../client.js';

/** Re-announced this often while the conversation stays open, so the server can expire a TUI that died. */
const HEARTBEAT_MS = 20_000;

/**
 * Tells the server I am viewing (or typing in) this conversation, and that I
 * left when the screen closes. Posting presence is the only write opening a
 * conversation makes: watching changes nothing of the conversation itself.
 */
export function useActivity(
  client: AdminClient,
  conversationId: string,
  typing: boolean,
  onViewers?: (viewers: readonly Viewer[]) => void,
): void {
  const cb = useRef(onViewers);
  cb.current = onViewers;
  const activity = typing ? 'typing' : 'viewing';
  useEffect(() => {
    const post = (): void => {
      client.setActivity(conversationId, activity).then(
        (v) => cb.current?.(v),
        () => undefined,
      );
    };
    post();
    const t = setInterval(post, HEARTBEAT_MS);
    return () => clearInterval(t);
  }, [client, conversationId, activity]);
  useEffect(
    () => () => {
      client.setActivity(conversationId, 'left').catch(() => undefined);
    },
    [client, conversationId],
  );
}
