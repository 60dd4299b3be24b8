import { Box, Text } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type Canned, type ConversationDetail, describeError, type Viewer } from '../client.js';
import { useActivity } from '../hooks/use-activity.js';
import { useConversation } from '../hooks/use-conversation.js';
import { useHoldKeys } from '../hooks/use-keys.js';
import { sanitizeLine } from '../sanitize.js';
import { attachFile, formatSize, saveAttachment } from '../state/attachments.js';
import { primaryLanguage } from '../state/board.js';
import {
  type ActionOutcome,
  type ConversationAction,
  resendLatestFailed,
  runConversationAction,
} from '../state/conversation-actions.js';
import { formatDuration, truncate } from '../text.js';
import { CannedPicker, matchCanned } from '../widgets/canned-picker.js';
import { TextInput } from '../widgets/text-input.js';
import { Transcript, transcriptLines } from '../widgets/transcript.js';
import { SidePanel } from './conversation-side.js';
import { type ComposeMode, type ScreenProps, screenActions } from './types.js';

type Input = ComposeMode | 'transfer' | 'attach' | 'canned' | undefined;

const PROMPT: Readonly<Record<ComposeMode | 'transfer' | 'attach', { label: string; color: string }>> = {
  reply: { label: 'reply ›', color: 'green' },
  note: { label: 'note (internal) ›', color: 'yellow' },
  whisper: { label: 'whisper ›', color: 'yellow' },
  transfer: { label: 'transfer to (agent or skill:name) ›', color: 'cyan' },
  attach: { label: 'attach (path, then caption) ›', color: 'green' },
};

/** "bob is typing, carol is viewing": the presence lock, everyone but me. */
export function othersHere(viewers: readonly Viewer[], meId: string): string {
  const others = viewers.filter((v) => v.agentId !== meId);
  if (others.length === 0) return '';
  return others
    .map((v) => `${sanitizeLine(v.name)} ${v.activity === 'typing' ? 'is typing' : 'is viewing'}`)
    .join(', ');
}

export interface ConversationScreenProps extends ScreenProps {
  readonly id: string;
  readonly compose?: ComposeMode;
}

/** One conversation, live: transcript, customer on the side, composer, and the actions on it. */
export function ConversationScreen(props: ConversationScreenProps): React.JSX.Element {
  const { client, feed, me, id, width, height, now, agents, board } = props;
  const { detail, error, reload, setViewers } = useConversation(client, feed, id);
  const [input, setInputState] = useState<Input>();
  const [draft, setDraft] = useState('');
  const [scroll, setScroll] = useState(0);
  const [canned, setCanned] = useState<readonly Canned[]>();
  const [cannedError, setCannedError] = useState<string>();
  const [sending, setSending] = useState(false);
  // Typing is what the customer may see (Web Chat shows the assignee typing): a reply, not a note or a whisper.
  useActivity(client, id, input === 'reply' && draft.trim() !== '', setViewers);

  const { setCapture, report } = props;
  // The App is told at once (not in an effect), so the next key already goes to the input.
  const hold = useHoldKeys();
  const inputRef = useRef<Input>(undefined);
  const setInput = useCallback(
    (next: Input) => {
      // From one input to another the App's capture does not change: the keys must still wait for the new one.
      if (next !== inputRef.current && next !== undefined && inputRef.current !== undefined) hold();
      inputRef.current = next;
      setCapture(next !== undefined);
      setInputState(next);
    },
    [setCapture, hold],
  );

  const assigneeName = (d: ConversationDetail): string | undefined => {
    const a = d.conversation.assignee;
    return a ? sanitizeLine(agents.byId.get(a)?.name ?? a) : undefined;
  };

  const startCompose = useCallback(
    (mode: ComposeMode) => {
      if (mode === 'whisper' && detail) {
        const a = detail.conversation.assignee;
        const to = a ? sanitizeLine(agents.byId.get(a)?.name ?? a) : undefined;
        if (!to) {
          report('Nobody is assigned to whisper to; write a note (n) instead.', 'error');
          return;
        }
        setDraft((d) => (d.startsWith('@') ? d : `@${to} ${d}`));
      }
      setInput(mode);
    },
    [detail, agents.byId, report, setInput],
  );

  // Opened to write at once (a whisper from the supervision screen): once the conversation is here.
  const [autoCompose, setAutoCompose] = useState(props.compose);
  useEffect(() => {
    if (detail && autoCompose) {
      setAutoCompose(undefined);
      startCompose(autoCompose);
    }
  }, [detail, autoCompose, startCompose]);

  const loadCanned = useCallback(async (): Promise<readonly Canned[]> => {
    if (canned) return canned;
    try {
      const list = await client.canned();
      const c = detail?.conversation;
      // The team's replies for this conversation's skill and language first.
      const fits = (x: Canned): number =>
        (x.skills?.length && c?.skill && x.skills.includes(c.skill) ? 2 : 0) +
        (x.language && primaryLanguage(x.language) === primaryLanguage(c?.language ?? detail?.customer.language)
          ? 1
          : 0);
      const sorted = [...list].sort((a, b) => fits(b) - fits(a));
      setCanned(sorted);
      setCannedError(undefined);
      return sorted;
    } catch (err) {
      setCannedError(describeError(err));
      return [];
    }
  }, [canned, client, detail]);

  const insertCanned = (c: Canned): void => {
    setDraft((d) => (d.trim() === '' ? c.text : `${d} ${c.text}`));
    setInput(input === 'note' || input === 'whisper' ? input : 'reply');
  };

  const act = (action: ConversationAction | 'resend', arg = ''): void => {
    if (!detail) {
      report('The conversation is still loading.', 'error');
      return;
    }
    report(`${action}…`, 'info');
    const run: Promise<ActionOutcome> =
      action === 'resend'
        ? resendLatestFailed(client, detail)
        : runConversationAction(client, me, action, detail.conversation, arg);
    run.then(
      (out) => {
        board.set.upsert(out.conversation);
        report(out.message, 'ok');
        void reload();
      },
      (err: unknown) => report(describeError(err), 'error'),
    );
  };

  const openFile = (arg: string): void => {
    if (!detail) return;
    report('fetching the file…', 'info');
    saveAttachment(client, id, detail.messages, arg).then(
      (saved) => report(`File #${saved.n} (${formatSize(saved.size)}) saved to ${saved.path}`, 'ok'),
      (err: unknown) => report(describeError(err), 'error'),
    );
  };

  const attach = (args: string): void => {
    if (!detail) return;
    report('sending the file…', 'info');
    attachFile(client, detail.conversation, args).then(
      (out) => {
        board.set.upsert(out.conversation);
        report(out.message, 'ok');
        setScroll(0);
        void reload();
      },
      (err: unknown) => report(describeError(err), 'error'),
    );
  };

  const send = (text: string): void => {
    if (text.trim() === '' || !input || input === 'transfer' || input === 'attach' || input === 'canned') return;
    const internal = input !== 'reply';
    setSending(true);
    client.send(id, text, internal).then(
      () => {
        setSending(false);
        setDraft('');
        setInput(undefined);
        setScroll(0);
        report(internal ? (input === 'whisper' ? 'Whispered.' : 'Note added.') : 'Sent to the customer.', 'ok');
        void reload();
      },
      (err: unknown) => {
        setSending(false);
        report(describeError(err), 'error');
      },
    );
  };

  const customerName = detail ? sanitizeLine(detail.customer.displayName ?? detail.customer.id) : '';
  const sideWidth = width >= 100 ? 32 : 24;
  const mainWidth = Math.max(20, width - sideWidth - 1);
  // The clock only changes "today" labels: the day is enough to recompute on, not every second.
  const day = now.toDateString();
  const lines = useMemo(
    () =>
      detail
        ? transcriptLines(detail.messages, mainWidth, {
            now: new Date(day),
            customerName,
            agents: agents.byId,
            undelivered: detail.undelivered,
          })
        : undefined,
    [detail, mainWidth, customerName, agents.byId, day],
  );
  const bodyHeight = Math.max(3, height - 3);
  const maxScroll = Math.max(0, (lines?.length ?? 0) - bodyHeight + 1);

  const openCanned = (args: string): void => {
    if (args.trim()) {
      void loadCanned().then((list) => {
        const [c] = matchCanned(list, args);
        if (c) insertCanned(c);
        else report(`No canned response matches "${sanitizeLine(args)}".`, 'error');
      });
      return;
    }
    void loadCanned();
    setInput('canned');
  };
  const scrollUp = (lines: number) => (): void => setScroll((s) => Math.min(maxScroll, s + lines));
  const scrollDown = (lines: number) => (): void => setScroll((s) => Math.max(0, s - lines));

  props.actions.current = screenActions<'conversation'>({
    reply: () => startCompose('reply'),
    note: () => startCompose('note'),
    whisper: () => startCompose('whisper'),
    canned: openCanned,
    resend: () => act('resend'),
    claim: () => act('claim'),
    takeover: () => act('takeover'),
    barge: () => act('barge'),
    transfer: (args) => {
      if (args.trim()) return act('transfer', args);
      setDraft('');
      setInput('transfer');
    },
    handback: () => act('handback'),
    resolve: () => act('resolve'),
    'open-file': openFile,
    attach: (args) => {
      if (args.trim()) return attach(args);
      setDraft('');
      setInput('attach');
    },
    'scroll-up': scrollUp(1),
    'scroll-down': scrollDown(1),
    'page-up': scrollUp(bodyHeight - 1),
    'page-down': scrollDown(bodyHeight - 1),
    bottom: () => setScroll(0),
    refresh: () => void reload(),
  });

  if (!detail) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text bold>{`Conversation ${sanitizeLine(id)}`}</Text>
        <Text color={error ? 'red' : undefined} dimColor={!error}>
          {error ?? 'loading…'}
        </Text>
      </Box>
    );
  }

  const c = detail.conversation;
  const owner =
    c.mode === 'agent'
      ? `with ${c.assignee === me.id ? 'me' : (assigneeName(detail) ?? '?')}`
      : c.mode === 'queued'
        ? `queued${detail.placeInLine ? ` #${detail.placeInLine.place} of ${detail.placeInLine.of}` : ''}`
        : c.mode === 'bot'
          ? 'bot-handled'
          : 'resolved';
  const due = [c.sla.firstResponseDueAt, c.sla.nextResponseDueAt, c.sla.resolutionDueAt].filter(Boolean).sort()[0];
  const sla = due ? ` · SLA ${formatDuration(Date.parse(due) - now.getTime())}` : '';
  // The channel takes replies only so long after the customer's last message (Messenger's 24 h).
  const windowLeft = c.sla.replyWindowClosesAt ? Date.parse(c.sla.replyWindowClosesAt) - now.getTime() : undefined;
  const replyWindow =
    windowLeft === undefined || Number.isNaN(windowLeft) || (c.mode !== 'queued' && c.mode !== 'agent')
      ? ''
      : windowLeft > 0
        ? ` · reply window ${formatDuration(windowLeft)} left`
        : ' · reply window closed';
  const title = `${customerName} · ${c.channel} · ${owner}${sla}${replyWindow}${c.topic ? ` · ${sanitizeLine(c.topic)}` : ''} · ${sanitizeLine(c.id)}`;
  const others = othersHere(detail.viewers, me.id);
  const prompt = input && input !== 'canned' ? PROMPT[input] : undefined;
  const failed = detail.undelivered.filter((u) => u.status === 'failed').length;

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        {truncate(title, width)}
      </Text>
      <Text color={others ? 'magenta' : undefined} dimColor={!others} wrap="truncate-end">
        {truncate(others ? `◉ also here: ${others}` : 'only you are here (watching changes nothing)', width)}
      </Text>
      <Box height={bodyHeight}>
        {input === 'canned' ? (
          <CannedPicker
            canned={canned}
            error={cannedError}
            width={mainWidth}
            height={bodyHeight}
            onPick={insertCanned}
            onCancel={() => setInput(draft ? 'reply' : undefined)}
          />
        ) : (
          <Transcript lines={lines ?? []} width={mainWidth} height={bodyHeight} scroll={Math.min(scroll, maxScroll)} />
        )}
        <Box marginLeft={1}>
          <SidePanel detail={detail} width={sideWidth} height={bodyHeight} now={now} />
        </Box>
      </Box>
      {prompt ? (
        <Box>
          <Text color={prompt.color} bold>{`${prompt.label} `}</Text>
          <TextInput
            value={draft}
            onChange={setDraft}
            onSubmit={(v) => {
              if (input === 'transfer') {
                setInput(undefined);
                act('transfer', v);
              } else if (input === 'attach') {
                setInput(undefined);
                setDraft('');
                attach(v);
              } else if (!sending) send(v);
            }}
            onCancel={() => setInput(undefined)}
            onCtrl={(letter) => {
              if (letter === 'r' && input !== 'transfer' && input !== 'attach') {
                void loadCanned();
                setInput('canned');
              }
            }}
            active={props.active}
            width={Math.max(10, width - prompt.label.length - 1)}
          />
        </Box>
      ) : draft === '' && failed > 0 ? (
        <Text color="red" wrap="truncate-end">
          {truncate(
            `✗ ${failed === 1 ? 'a reply was' : `${failed} replies were`} not delivered · S sends the latest again · enter reply · ? all keys`,
            width,
          )}
        </Text>
      ) : (
        <Text dimColor wrap="truncate-end">
          {truncate(
            draft ? `draft kept: ${draft} (enter to go on)` : 'enter reply · n note · ctrl+r canned · ? all keys',
            width,
          )}
        </Text>
      )}
    </Box>
  );
}
