import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type AdminClient, type AgentView, describeError } from '../client.js';
import type { LiveFeed } from '../state/live-feed.js';
import { Reloader } from '../state/reloader.js';
import { useFeedStatus, useLiveEvents } from './use-feed.js';

export interface AgentsData {
  readonly agents: readonly AgentView[];
  readonly byId: ReadonlyMap<string, AgentView>;
  readonly error: string | undefined;
  readonly reload: () => Promise<void>;
}

/** Events after which someone's presence or load may have changed. */
const CHANGES = /^(agent\.|conversation\.(assigned|transferred|released|resolved|reassigned|taken_over))/;

/** The team, with presence and load, kept current from events (coalesced reloads). */
export function useAgents(client: AdminClient, feed: LiveFeed): AgentsData {
  const [agents, setAgents] = useState<readonly AgentView[]>([]);
  const [error, setError] = useState<string>();
  const reloader = useRef<Reloader>(undefined);
  reloader.current ??= new Reloader(
    async () => {
      try {
        setAgents(await client.agents());
        setError(undefined);
      } catch (err) {
        setError(describeError(err));
      }
    },
    { debounceMs: 200, minIntervalMs: 2000 },
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
  useLiveEvents(feed, (e) => {
    if (e.kind === 'domain' && CHANGES.test(e.event.type)) reloader.current!.request();
  });
  const byId = useMemo(() => new Map(agents.map((a) => [a.id, a])), [agents]);
  const reload = useCallback(() => reloader.current!.now(), []);
  return { agents, byId, error, reload };
}
