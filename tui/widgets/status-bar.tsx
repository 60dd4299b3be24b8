import { Box, Text } from 'ink';
import type { AgentView } from '../client.js';
import { sanitizeLine } from '../sanitize.js';
import type { BoardCounts } from '../state/board.js';
import type { FeedStatus } from '../state/live-feed.js';
import { truncate } from '../text.js';

const CONNECTION: Readonly<Record<FeedStatus['state'], { label: string; color: string }>> = {
  connecting: { label: 'connecting', color: 'yellow' },
  live: { label: 'live', color: 'green' },
  reconnecting: { label: 'reconnecting', color: 'yellow' },
  unauthorized: { label: 'token refused', color: 'red' },
  closed: { label: 'closed', color: 'gray' },
};

const PRESENCE: Readonly<Record<AgentView['presence'], string>> = { online: 'green', away: 'yellow', offline: 'gray' };

export interface StatusBarProps {
  readonly server: string;
  readonly status: FeedStatus;
  readonly me: AgentView;
  readonly counts: BoardCounts;
  readonly bell: boolean;
  readonly width: number;
}

/** Top line: where, whether live, who I am, and how the queue stands. */
export function StatusBar({ server, status, me, counts, bell, width }: StatusBarProps): React.JSX.Element {
  const conn = CONNECTION[status.state];
  const host = server.replace(/^https?:\/\//, '');
  const serverWidth = Math.max(8, Math.min(host.length, width - 62));
  return (
    <Box width={width}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          caredesk
        </Text>{' '}
        <Text dimColor>{truncate(host, serverWidth)}</Text> <Text color={conn.color}>● {conn.label}</Text>{' '}
        <Text bold>{truncate(sanitizeLine(me.name), 16)}</Text>
        <Text color={PRESENCE[me.presence]}> {me.presence}</Text>
        {me.role === 'supervisor' ? <Text dimColor> sup</Text> : null}
        {'  '}queued <Text bold>{counts.queued}</Text>
        {'  '}
        <Text color={counts.breached > 0 ? 'red' : undefined}>
          breached <Text bold>{counts.breached}</Text>
        </Text>
        {'  '}mine {counts.mine}
        {bell ? '' : <Text dimColor> bell off</Text>}
      </Text>
    </Box>
  );
}
