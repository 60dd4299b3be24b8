import { Box, Text } from 'ink';
import { useCallback, useMemo, useRef, useState } from 'react';
import { type AgentView, describeError, type Presence, PresenceSchema, type TeamClient } from '../client.js';
import { useHoldKeys } from '../hooks/use-keys.js';
import { sanitizeLine } from '../sanitize.js';
import { type Parsed, parseCapacity, parseList, parseNewAgent } from '../state/team-input.js';
import { truncate } from '../text.js';
import { type Column, Table } from '../widgets/table.js';
import { TextInput } from '../widgets/text-input.js';
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

/** What a supervisor is typing: a new agent, or one field of the agent the prompt was opened on. */
type PromptKind = 'add' | 'capacity' | 'skills' | 'languages' | 'set-presence';
interface Prompt {
  readonly kind: PromptKind;
  readonly agent?: AgentView;
}

const promptLabel = ({ kind, agent }: Prompt): string => {
  const name = sanitizeLine(agent?.name ?? '');
  switch (kind) {
    case 'add':
      return 'new agent (name skills:a,b languages:en,it capacity:n role:supervisor) ›';
    case 'capacity':
      return `capacity of ${name} (1-100) ›`;
    case 'skills':
      return `skills of ${name} (comma-separated) ›`;
    case 'languages':
      return `languages of ${name} (comma-separated) ›`;
    case 'set-presence':
      return `presence of ${name} (online, away, offline) ›`;
  }
};

const parsePresence = (text: string): Parsed<Presence> => {
  const r = PresenceSchema.safeParse(text.trim().toLowerCase());
  return r.success ? { ok: true, value: r.data } : { ok: false, error: 'Presence is online, away or offline.' };
};

/**
 * The team: who is online, away or offline, and how loaded; `p` toggles my
 * own presence. Supervisors also add and remove agents, change their
 * capacity, skills and languages, set their presence and give them a new token.
 */
export function AgentsScreen(props: AgentsScreenProps): React.JSX.Element {
  const { agents, me, width, height, client, report, setCapture } = props;
  const [selected, setSelected] = useState(0);
  const [prompt, setPromptState] = useState<Prompt>();
  const [draft, setDraft] = useState('');
  // A token is shown once, here, until the next change or leaving the screen.
  const [token, setToken] = useState<{ readonly name: string; readonly token: string }>();
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
  const current = rows[Math.min(selected, Math.max(0, rows.length - 1))];

  // The App is told at once (not in an effect), so that the next key already goes to the prompt.
  const hold = useHoldKeys();
  const promptRef = useRef<Prompt>(undefined);
  const setPrompt = useCallback(
    (next: Prompt | undefined, value = '') => {
      if (next !== undefined && promptRef.current !== undefined) hold();
      promptRef.current = next;
      setCapture(next !== undefined);
      setDraft(value);
      setPromptState(next);
    },
    [setCapture, hold],
  );

  /** The team client, for a supervisor; otherwise says why not and gives none. */
  const teamFor = (): TeamClient | undefined => {
    if (me.role !== 'supervisor') {
      report('Only a supervisor manages the team; ask one of yours.', 'error');
      return undefined;
    }
    if (!client.team) report('This connection cannot manage the team.', 'error');
    return client.team;
  };
  const run = <T,>(call: Promise<T>, done: (value: T) => string): void => {
    setToken(undefined);
    call.then(
      (value) => {
        report(done(value), 'ok');
        void agents.reload();
      },
      (err: unknown) => report(describeError(err), 'error'),
    );
  };
  const shownOnce = (name: string, value: string): void => setToken({ name: sanitizeLine(name), token: value });

  /** One change to one agent: typed in a prompt opened on them, or given to the command. */
  const change = (kind: Exclude<PromptKind, 'add'>, agent: AgentView, text: string): void => {
    const team = teamFor();
    if (!team) return;
    const name = sanitizeLine(agent.name);
    if (kind === 'set-presence') {
      const presence = parsePresence(text);
      if (!presence.ok) {
        report(presence.error, 'error');
        return;
      }
      run(team.setAgentPresence(agent.id, presence.value), (a) => {
        if (a.id === me.id) props.onPresence(a.presence);
        return `${name} is ${a.presence} now.`;
      });
      return;
    }
    if (kind === 'capacity') {
      const capacity = parseCapacity(text);
      if (!capacity.ok) {
        report(capacity.error, 'error');
        return;
      }
      run(
        team.updateAgent(agent.id, { capacity: capacity.value }),
        (a) => `${name} takes up to ${a.capacity} conversations now.`,
      );
      return;
    }
    const list = parseList(text);
    run(
      team.updateAgent(agent.id, { [kind]: list }),
      () => `${name}'s ${kind}: ${list.length > 0 ? list.map(sanitizeLine).join(', ') : 'none'}.`,
    );
  };
  const add = (text: string): void => {
    const team = teamFor();
    if (!team) return;
    const input = parseNewAgent(text);
    if (!input.ok) {
      report(input.error, 'error');
      return;
    }
    run(team.addAgent(input.value), ({ agent, token: t }) => {
      shownOnce(agent.name, t);
      return `${sanitizeLine(agent.name)} added: give them the token above, it is not shown again.`;
    });
  };
  /** The command's arguments, or, with none, a prompt for them (a field's prompt starts from its value). */
  const onSelected = (kind: Exclude<PromptKind, 'add'>, args: string, value: (a: AgentView) => string) => {
    if (!current || !teamFor()) return;
    if (args.trim()) change(kind, current, args);
    else setPrompt({ kind, agent: current }, value(current));
  };

  props.actions.current = screenActions<'agents'>({
    down: () => setSelected((s) => Math.min(rows.length - 1, s + 1)),
    up: () => setSelected((s) => Math.max(0, s - 1)),
    refresh: () => void agents.reload(),
    presence: (args) => {
      const mine = agents.byId.get(me.id)?.presence ?? me.presence;
      const wanted = args.trim() ? parsePresence(args) : undefined;
      if (wanted && !wanted.ok) {
        report(wanted.error, 'error');
        return;
      }
      const next: Presence = wanted?.value ?? (mine === 'online' ? 'away' : 'online');
      client.setPresence(next).then(
        (p) => {
          props.onPresence(p);
          report(`You are ${p} now.`, 'ok');
          void agents.reload();
        },
        (err: unknown) => report(describeError(err), 'error'),
      );
    },
    add: (args) => {
      if (args.trim()) add(args);
      else if (teamFor()) setPrompt({ kind: 'add' });
    },
    capacity: (args) => onSelected('capacity', args, (a) => String(a.capacity)),
    skills: (args) => onSelected('skills', args, (a) => a.skills.join(',')),
    languages: (args) => onSelected('languages', args, (a) => a.languages.join(',')),
    'set-presence': (args) => onSelected('set-presence', args, () => ''),
    'rotate-token': () => {
      const team = teamFor();
      if (!team || !current) return;
      run(team.rotateToken(current.id), ({ agent, token: t }) => {
        shownOnce(agent.name, t);
        return `${sanitizeLine(agent.name)} has a new token (above); the old one no longer works.`;
      });
    },
    remove: () => {
      const team = teamFor();
      if (!team || !current) return;
      run(
        team.removeAgent(current.id),
        (a) => `${sanitizeLine(a.name)} removed; their conversations went back to the queue.`,
      );
    },
  });

  const online = rows.filter((a) => a.presence === 'online').length;
  const label = prompt ? promptLabel(prompt) : '';
  const extra = (agents.error ? 1 : 0) + (token ? 1 : 0) + (prompt ? 1 : 0);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">{`Agents: ${online} online of ${rows.length}`}</Text>
      {agents.error ? <Text color="red">{agents.error}</Text> : null}
      {token ? (
        <Text color="yellow" bold wrap="truncate-end">
          {truncate(`Token of ${token.name}: ${token.token}  (shown once: copy it now)`, width)}
        </Text>
      ) : null}
      <Table
        rows={rows}
        columns={columns}
        selected={Math.min(selected, Math.max(0, rows.length - 1))}
        width={width}
        height={height - 2 - extra}
        rowKey={(a) => a.id}
        empty="loading the team…"
      />
      {prompt ? (
        <Box>
          <Text color="cyan" bold>{`${label} `}</Text>
          <TextInput
            value={draft}
            onChange={setDraft}
            onSubmit={(v) => {
              setPrompt(undefined);
              if (prompt.kind === 'add') add(v);
              else if (prompt.agent) change(prompt.kind, prompt.agent, v);
            }}
            onCancel={() => setPrompt(undefined)}
            active={props.active}
            width={Math.max(10, width - label.length - 1)}
          />
        </Box>
      ) : null}
    </Box>
  );
}
