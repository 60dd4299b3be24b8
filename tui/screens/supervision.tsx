import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { type ConversationRow, describeError } from '../client.js';
import { sanitizeLine } from '../sanitize.js';
import { customerNameOf } from '../state/board.js';
import { runConversationAction } from '../state/conversation-actions.js';
import { type ListMove, listActions, movedSelection } from '../state/list-navigation.js';
import { formatDuration } from '../text.js';
import { type Column, Table } from '../widgets/table.js';
import { CHANNEL_SHORT } from './board.js';
import { type ScreenProps, screenActions } from './types.js';

/**
 * Live conversations (with an agent or the bot), most recently active
 * first, with who is watching or typing in each. Watching opens the
 * conversation and changes nothing; a whisper is a note the assigned agent
 * sees at once; barging in takes the conversation over.
 */
export function SupervisionScreen(props: ScreenProps): React.JSX.Element {
  const { board, me, width, height, now, agents, viewers, client } = props;
  const [selectedId, setSelectedId] = useState<string>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: board.version says when the set changed
  const rows = useMemo(
    () =>
      board.set
        .sorted()
        .filter((r) => r.mode === 'agent' || r.mode === 'bot')
        .sort((a, b) => (a.lastMessageAt < b.lastMessageAt ? 1 : a.lastMessageAt > b.lastMessageAt ? -1 : 0)),
    [board.version, board.set],
  );
  const selected = Math.max(0, selectedId ? rows.findIndex((r) => r.id === selectedId) : 0);
  const current = rows[selected];
  const name = (id: string | undefined): string => sanitizeLine(agents.byId.get(id ?? '')?.name ?? id ?? '');

  // biome-ignore lint/correctness/useExhaustiveDependencies: name reads agents.byId, which is listed
  const columns = useMemo<Column<ConversationRow>[]>(
    () => [
      {
        title: 'WITH',
        width: 12,
        cell: (r) => (r.mode === 'bot' ? 'bot' : name(r.assignee)),
        color: (r) => (r.mode === 'bot' ? 'gray' : r.assignee === me.id ? 'cyan' : undefined),
      },
      { title: 'CH', width: 3, cell: (r) => CHANNEL_SHORT[r.channel] ?? r.channel },
      { title: 'CUSTOMER', width: 12, cell: customerNameOf },
      {
        title: 'HERE',
        width: width >= 120 ? 24 : 14,
        cell: (r) =>
          viewers
            .others(r.id)
            .map((v) => `${sanitizeLine(v.name)}${v.activity === 'typing' ? '✎' : ''}`)
            .join(' '),
        color: () => 'magenta',
      },
      { title: 'LAST MESSAGE', width: 'flex', cell: (r) => sanitizeLine(r.lastMessagePreview ?? '') },
      {
        title: 'AGO',
        width: 6,
        align: 'right',
        cell: (r) => formatDuration(now.getTime() - Date.parse(r.lastMessageAt)),
      },
    ],
    [agents.byId, me.id, viewers, width, now],
  );

  // From the state, not this render's `selected`: several keys may arrive in one chunk.
  const move = (delta: ListMove): void => setSelectedId((id) => movedSelection(rows, id, delta));
  const page = Math.max(1, height - 3);
  // Watching, whispering and barging in are about the selected conversation.
  const onSelected = (then: (row: ConversationRow) => void) => (): void => {
    if (current) then(current);
    else props.report('No conversation selected.', 'error');
  };
  props.actions.current = screenActions<'supervision'>({
    ...listActions(move, page),
    refresh: () => void board.reload(),
    watch: onSelected((row) => props.navigate({ screen: 'conversation', id: row.id })),
    whisper: onSelected((row) => {
      if (row.mode !== 'agent') props.report('Only a conversation with an agent can be whispered into.', 'error');
      else props.navigate({ screen: 'conversation', id: row.id, compose: 'whisper' });
    }),
    barge: onSelected((row) => {
      runConversationAction(client, me, 'barge', row).then(
        (out) => {
          board.set.upsert(out.conversation);
          props.report(out.message, 'ok');
          props.navigate({ screen: 'conversation', id: row.id });
        },
        (err: unknown) => props.report(describeError(err), 'error'),
      );
    }),
  });

  const agentCount = rows.filter((r) => r.mode === 'agent').length;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        {`Supervision: ${agentCount} with agents, ${rows.length - agentCount} with the bot`}
      </Text>
      <Table
        rows={rows}
        columns={columns}
        selected={selected}
        width={width}
        height={height - 2}
        rowKey={(r) => r.id}
        tick={now}
        empty="no live conversations"
      />
    </Box>
  );
}
