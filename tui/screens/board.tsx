import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { type ConversationRow, describeError, type Viewer } from '../client.js';
import { sanitizeLine } from '../sanitize.js';
import {
  customerNameOf,
  inView,
  isEmptyFilter,
  languageOf,
  parseFilter,
  slaDue,
  type Urgency,
  urgencyOf,
  VIEWS,
} from '../state/board.js';
import { runConversationAction } from '../state/conversation-actions.js';
import { type ListMove, listActions, movedSelection } from '../state/list-navigation.js';
import { formatDuration, truncate } from '../text.js';
import { type Column, Table } from '../widgets/table.js';
import { TextInput } from '../widgets/text-input.js';
import { type BoardUi, type ScreenProps, screenActions } from './types.js';

export const URGENCY_COLOR: Readonly<Record<Urgency, string>> = {
  breached: 'red',
  warning: 'yellow',
  ok: 'green',
  none: 'gray',
};

export const CHANNEL_SHORT: Readonly<Record<string, string>> = {
  telegram: 'tg',
  botframework: 'bf',
  devchat: 'dev',
  webchat: 'web',
};

/** ✎ someone else is typing in it, ◉ someone else has it open. */
export function viewerMark(viewers: readonly Viewer[]): string {
  if (viewers.some((v) => v.activity === 'typing')) return '✎';
  return viewers.length > 0 ? '◉' : ' ';
}

export interface BoardProps extends ScreenProps {
  readonly ui: BoardUi;
  readonly setUi: (change: (ui: BoardUi) => BoardUi) => void;
}

/** Home: every open conversation from every channel, most urgent first, live. */
export function BoardScreen(props: BoardProps): React.JSX.Element {
  const { board, ui, setUi, me, now, width, height, agents, viewers } = props;
  const [editing, setEditingState] = useState(false);
  const { setCapture } = props;
  // The App is told at once, so that the next key already goes to the filter.
  const setEditing = (on: boolean): void => {
    setCapture(on);
    setEditingState(on);
  };
  const [draft, setDraft] = useState(ui.filter);
  const filter = useMemo(() => parseFilter(ui.filter), [ui.filter]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: board.version says when the set changed
  const rows = useMemo(
    () => board.set.view(ui.view, filter, me.id, (id) => agents.byId.get(id)?.name),
    [board.version, board.set, ui.view, filter, me.id, agents.byId],
  );
  const selected = Math.max(0, ui.selectedId ? rows.findIndex((r) => r.id === ui.selectedId) : 0);
  const current = rows[selected];
  const wide = width >= 120;

  // board.version: a row's place in line moves when another row leaves the queue, though the row itself did not change.
  // biome-ignore lint/correctness/useExhaustiveDependencies: board.version says when the set changed
  const columns = useMemo<Column<ConversationRow>[]>(
    () => [
      {
        title: 'SLA',
        width: 7,
        align: 'right',
        cell: (r) => {
          const due = slaDue(r);
          return due ? formatDuration(Date.parse(due) - now.getTime()) : '—';
        },
        color: (r) => URGENCY_COLOR[urgencyOf(r, now)],
      },
      { title: 'CH', width: 3, cell: (r) => CHANNEL_SHORT[r.channel] ?? r.channel },
      {
        title: 'CUSTOMER',
        width: wide ? 20 : 12,
        cell: customerNameOf,
      },
      { title: 'LANG', width: 4, cell: languageOf },
      { title: 'TOPIC', width: wide ? 14 : 9, cell: (r) => sanitizeLine(r.topic ?? r.skill ?? '') },
      { title: 'LAST MESSAGE', width: 'flex', cell: (r) => sanitizeLine(r.lastMessagePreview ?? '') },
      {
        title: 'WAIT',
        width: 6,
        align: 'right',
        cell: (r) => formatDuration(now.getTime() - Date.parse(r.sla.queuedAt ?? r.createdAt)),
      },
      {
        title: 'ASSIGNEE',
        width: wide ? 14 : 9,
        cell: (r) =>
          r.mode === 'bot'
            ? 'bot'
            : r.mode === 'queued'
              ? `queue #${board.set.placeInLine(r.id) ?? '?'}`
              : sanitizeLine(agents.byId.get(r.assignee ?? '')?.name ?? r.assignee ?? ''),
        color: (r) => (r.mode === 'agent' ? (r.assignee === me.id ? 'cyan' : undefined) : 'gray'),
      },
      { title: ' ', width: 1, cell: (r) => viewerMark(viewers.others(r.id)), color: () => 'magenta' },
    ],
    [now, wide, agents.byId, me.id, viewers, board.set, board.version],
  );

  // From the state, not this render's `selected`: several keys may arrive in one chunk.
  const move = (delta: ListMove): void =>
    setUi((u) => ({ ...u, selectedId: movedSelection(rows, u.selectedId, delta) }));
  const page = Math.max(1, height - 3);

  const act = (action: 'claim' | 'takeover'): void => {
    if (!current) {
      props.report('No conversation selected.', 'error');
      return;
    }
    runConversationAction(props.client, me, action, current).then(
      (out) => {
        board.set.upsert(out.conversation);
        props.report(out.message, 'ok');
      },
      (err: unknown) => props.report(describeError(err), 'error'),
    );
  };

  const stepView = (step: number): void =>
    setUi((u) => {
      const i = VIEWS.findIndex((v) => v.name === u.view);
      return { ...u, view: VIEWS[(i + step) % VIEWS.length]!.name };
    });

  props.actions.current = screenActions<'board'>({
    ...listActions(move, page),
    open: () => {
      if (current) props.navigate({ screen: 'conversation', id: current.id });
    },
    filter: (args) => {
      if (args) {
        setUi((u) => ({ ...u, filter: args, selectedId: undefined }));
        return;
      }
      setDraft(ui.filter);
      setEditing(true);
    },
    'clear-filter': () => setUi((u) => ({ ...u, filter: '' })),
    'next-view': () => stepView(1),
    'prev-view': () => stepView(VIEWS.length - 1),
    view: (args) => {
      const v = VIEWS.find((x) => x.name === args.trim().toLowerCase());
      if (v) setUi((u) => ({ ...u, view: v.name }));
      else props.report(`No view "${sanitizeLine(args)}"; views: ${VIEWS.map((x) => x.name).join(', ')}.`, 'error');
    },
    claim: () => act('claim'),
    takeover: () => act('takeover'),
    refresh: () => {
      void board.reload();
      props.report('Reloading the board…', 'info');
    },
  });

  const viewInfo = VIEWS.find((v) => v.name === ui.view)!;
  const tabs = VIEWS.map((v) => (v.name === ui.view ? `[${v.name}]` : v.name)).join(' ');
  const filterText = isEmptyFilter(filter) ? '' : ` · filter: ${sanitizeLine(ui.filter)} (esc clears)`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: board.version says when the set changed
  const total = useMemo(
    () => board.set.sorted().filter((r) => inView(r, ui.view, me.id)).length,
    [board.version, board.set, ui.view, me.id],
  );
  const count = rows.length === total ? `${total}` : `${rows.length} of ${total}`;

  return (
    <Box flexDirection="column" width={width} height={height}>
      {editing ? (
        <Box>
          <Text color="cyan">/</Text>
          <TextInput
            value={draft}
            onChange={setDraft}
            onSubmit={(v) => {
              setUi((u) => ({ ...u, filter: v.trim(), selectedId: undefined }));
              setEditing(false);
            }}
            onCancel={() => {
              setUi((u) => ({ ...u, filter: '' }));
              setEditing(false);
            }}
            active={props.active}
            width={width - 1}
            placeholder="channel:telegram skill:billing lang:it words…"
          />
        </Box>
      ) : (
        <Text wrap="truncate-end">
          <Text bold>{`Queue: ${viewInfo.description} (${count})`}</Text>
          <Text color="yellow">{truncate(filterText, Math.max(0, width - 40))}</Text>
          <Text dimColor>{`  ${tabs}`}</Text>
        </Text>
      )}
      {board.error && !board.loaded ? (
        <Text color="red" wrap="wrap">
          {board.error}
        </Text>
      ) : !board.loaded ? (
        <Text dimColor>loading the queue…</Text>
      ) : (
        <Table
          rows={rows}
          columns={columns}
          selected={selected}
          width={width}
          height={height - 2}
          rowKey={(r) => r.id}
          tick={now}
          empty={isEmptyFilter(filter) ? 'no conversations in this view' : 'no conversation matches the filter'}
        />
      )}
    </Box>
  );
}
