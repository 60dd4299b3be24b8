import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { type AgentView, describeError, type Presence, PresenceSchema } from '../client.js';
import { sanitizeLine } from '../sanitize.js';
import { type Column, Table } from '../widgets/table.js';
import { type ScreenProps, screenActions } from './types.js';

const PRESENCE_COLOR: Readonly<Record<Presence, string>> = { online: 'green', away: 'yellow', offline: 'gray' };

/** "3/5 ███░░": load against capacity. */
export function loadBar(load: number, capacity: number, width = 5): string {
  const filled = Math.min(width, Math.round((load / Math.max(1, capacity)) * width));
  return `${load}/${capacity} ${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

export interface AgentsScreenProps extends ScreenProps {
  readonly onPresence: (presence: Presence) => void;
}

/** The team: who is online, away or offline, and how loaded; `p` toggles my own presence. */
export function AgentsScreen(props: AgentsScreenProps): React.JSX.Element {
  const { agents, me, width, height, client } = props;
  const [selected, setSelected] = useState(0);
  const rows = useMemo(
    () =>
      [...agents.agents].sort(
        (a, b) =>
          ['online', 'away', 'offline'].indexOf(a.presence) - ['online', 'away', 'offline'].indexOf(b.presence) ||
          a.name.localeCompare(b.name),
      ),
    [agents.agents],
  );
  const columns = useMemo<Column<AgentView>[]>(
    () => [
      { title: 'NAME', width: 'flex', cell: (a) => `${sanitizeLine(a.name)}${a.id === me.id ? ' (me)' : ''}` },
      { title: 'ROLE', width: 10, cell: (a) => a.role },
      { title: 'PRESENCE', width: 8, cell: (a) => a.presence, color: (a) => PRESENCE_COLOR[a.presence] },
      {
        title: 'LOAD',
        width: 10,
        cell: (a) => loadBar(a.load, a.capacity),
        color: (a) => (a.load >= a.capacity ? 'red' : undefined),
      },
      { title: 'SKILLS', width: 'flex', cell: (a) => a.skills.map(sanitizeLine).join(',') },
      { title: 'LANG', width: 8, cell: (a) => a.languages.map(sanitizeLine).join(',') },
    ],
    [me.id],
  );

  props.actions.current = screenActions<'agents'>({
    down: () => setSelected((s) => Math.min(rows.length - 1, s + 1)),
    up: () => setSelected((s) => Math.max(0, s - 1)),
    refresh: () => void agents.reload(),
    presence: (args) => {
      const mine = agents.byId.get(me.id)?.presence ?? me.presence;
      const wanted = args.trim() ? PresenceSchema.safeParse(args.trim().toLowerCase()) : undefined;
      if (wanted && !wanted.success) {
        props.report('Presence is online, away or offline.', 'error');
        return;
      }
      const next: Presence = wanted?.data ?? (mine === 'online' ? 'away' : 'online');
      client.setPresence(next).then(
        (p) => {
          props.onPresence(p);
          props.report(`You are ${p} now.`, 'ok');
          void agents.reload();
        },
        (err: unknown) => props.report(describeError(err), 'error'),
      );
    },
  });

  const online = rows.filter((a) => a.presence === 'online').length;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">{`Agents: ${online} online of ${rows.length}`}</Text>
      {agents.error ? <Text color="red">{agents.error}</Text> : null}
      <Table
        rows={rows}
        columns={columns}
        selected={Math.min(selected, Math.max(0, rows.length - 1))}
        width={width}
        height={height - 2 - (agents.error ? 1 : 0)}
        rowKey={(a) => a.id}
        empty="loading the team…"
      />
    </Box>
  );
}
