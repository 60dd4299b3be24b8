import { useMemo } from 'react';
import type { AdminClient, AgentView } from '../client.js';
import type { LiveFeed } from '../state/live-feed.js';
import { useLiveEvents } from './use-feed.js';
import { useReloaded } from './use-reloaded.js';

export interface AgentsData {
  readonly agents: readonly AgentView[];
  readonly byId: ReadonlyMap<string, AgentView>;
  readonly error: string | undefined;
  readonly reload: () => Promise<void>;
}

/** Events after which someone's presence or load may have changed. */
const CHANGES = /^(agent\.|conversation\.(assigned|transferred|released|resolved|reassigned|taken_over))/;
const NONE: readonly AgentView[] = [];

/** The team, with presence and load, kept current from events (coalesced reloads). */
export function useAgents(client: AdminClient, feed: LiveFeed): AgentsData {
  const {
    value: agents,
    error,
    request,
    reload,
  } = useReloaded(() => client.agents(), NONE, feed, {
    debounceMs: 200,
    minIntervalMs: 2000,
  });
  useLiveEvents(feed, (e) => {
    if (e.kind === 'domain' && CHANGES.test(e.event.type)) request();
  });
  const byId = useMemo(() => new Map(agents.map((a) => [a.id, a])), [agents]);
  return { agents, byId, error, reload };
}
