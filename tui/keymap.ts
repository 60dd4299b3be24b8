/**
 * Keys as data (after k9s' action table): one list of bindings per screen
 * drives the key handling, the hint bar, the help overlay (`?`) and the
 * command line (`:` + an action's name or alias). The action names are
 * types derived from these tables: adding a key is adding a row here, and
 * the screen does not compile until it handles the new action (its
 * handlers are a `Record` over them, see `screens/types.ts`).
 */
import type { Key } from 'ink';

export interface KeyBinding<A extends string = string> {
  /** The key as shown and matched: `j`, `G`, `enter`, `esc`, `tab`, `shift+tab`, `ctrl+r`, `up`, `pgdn`, `?`… Empty for command-only actions. */
  readonly key: string;
  /** More keys for the same action (vim keys beside arrows). */
  readonly keys?: readonly string[];
  readonly description: string;
  /** The action's name, also its command (`:claim`). */
  readonly action: A;
  /** Other names on the command line. */
  readonly aliases?: readonly string[];
  /** What the command takes, for the help: `<agent|skill:name>`. */
  readonly args?: string;
  /** Shown in the hint bar (the help shows every binding). */
  readonly visible: boolean;
  /** Asks for confirmation first. */
  readonly dangerous: boolean;
}

export type ScreenName = 'board' | 'conversation' | 'dashboard' | 'agents' | 'supervision';

const b = <A extends string>(
  key: string,
  action: A,
  description: string,
  more: Partial<Omit<KeyBinding, 'key' | 'action' | 'description'>> = {},
): KeyBinding<A> => ({ key, action, description, visible: false, dangerous: false, ...more });

const MOVE_ROWS = [
  b('down', 'down', 'next row', { keys: ['j'] }),
  b('up', 'up', 'previous row', { keys: ['k'] }),
] as const;
const MOVE = [
  ...MOVE_ROWS,
  b('pgdn', 'page-down', 'page down', { keys: ['ctrl+d'] }),
  b('pgup', 'page-up', 'page up', { keys: ['ctrl+u'] }),
  b('home', 'top', 'first row', { keys: ['g'] }),
  b('end', 'bottom', 'last row', { keys: ['G'] }),
] as const;
/** The keys that move a table's selection, on every screen with a table. */
export type ListAction = (typeof MOVE)[number]['action'];
const REFRESH = b('R', 'refresh', 'reload from the server', { aliases: ['reload'] });
const BACK = b('esc', 'back', 'back to the previous screen', { visible: true, keys: ['q'] });

const GLOBAL = [
  b('?', 'help', 'this help: every key of the screen', { visible: true, aliases: ['h'] }),
  b(':', 'command', 'command line: any action by name (tab completes)', { visible: true, aliases: ['cmd'] }),
  b('1', 'board', 'queue board', { aliases: ['queue', 'home'] }),
  b('2', 'dashboard', 'dashboard: KPIs, SLA, volume', { aliases: ['dash', 'kpi', 'kpis'] }),
  b('3', 'agents', 'agents: presence and load', { aliases: ['ag', 'team'] }),
  b('4', 'supervision', 'supervision: live conversations and who watches them', { aliases: ['sup'] }),
  b('M', 'bell', 'bell on alerts on/off', { aliases: ['mute'], args: '[on|off]' }),
  b('ctrl+c', 'quit', 'quit', { keys: ['Q'], aliases: ['q', 'exit', 'q!'] }),
] as const;
export type GlobalAction = (typeof GLOBAL)[number]['action'];

/** Keys that work on every screen (a screen's own binding for the same key wins). */
export const GLOBAL_KEYS: readonly KeyBinding<GlobalAction>[] = GLOBAL;

const SCREENS = {
  board: [
    b('enter', 'open', 'open the conversation', { visible: true }),
    b('/', 'filter', 'filter: channel:x skill:x lang:x and words', { visible: true, aliases: ['f'], args: '[filter]' }),
    b('esc', 'clear-filter', 'clear the filter'),
    b('tab', 'next-view', 'next view: queue, mine, bot, all', { visible: true }),
    b('shift+tab', 'prev-view', 'previous view'),
    b('', 'view', 'show a view', { args: '<queue|mine|bot|all>' }),
    b('c', 'claim', 'claim the selected queued conversation', { visible: true }),
    b('t', 'takeover', 'take the selected conversation over from the bot', { visible: true }),
    ...MOVE,
    REFRESH,
  ],
  conversation: [
    BACK,
    b('enter', 'reply', 'write a reply to the customer (enter sends, esc leaves)', { visible: true, keys: ['i'] }),
    b('n', 'note', 'write an internal note', { visible: true }),
    b('w', 'whisper', 'whisper to the assigned agent (a note they see at once)'),
    b('ctrl+r', 'canned', 'insert a canned response', { aliases: ['can'], args: '[number|title]' }),
    b('S', 'resend', 'send the latest failed reply (✗ not delivered) again'),
    b('o', 'open-file', 'save a file (the latest, or #n) to a temp file', {
      aliases: ['open', 'save'],
      args: '[n]',
    }),
    b('A', 'attach', 'send a file to the customer (then its caption)', {
      args: '<path> [caption]',
    }),
    b('c', 'claim', 'claim (queued)', { visible: true }),
    b('t', 'takeover', 'take over from the bot', { visible: true }),
    b('B', 'barge', 'barge in: take it from the bot, the queue or another agent', { aliases: ['bargein'] }),
    b('x', 'transfer', 'transfer to an agent or a skill', { visible: true, args: '<agent|skill:name>' }),
    b('b', 'handback', 'hand back to the bot', { visible: true, dangerous: true, aliases: ['release'] }),
    b('r', 'resolve', 'resolve the conversation', { visible: true, dangerous: true }),
    b('up', 'scroll-up', 'scroll the transcript up', { keys: ['k'] }),
    b('down', 'scroll-down', 'scroll the transcript down', { keys: ['j'] }),
    b('pgup', 'page-up', 'transcript page up', { keys: ['ctrl+u'] }),
    b('pgdn', 'page-down', 'transcript page down', { keys: ['ctrl+d'] }),
    b('end', 'bottom', 'latest messages', { keys: ['G'] }),
    REFRESH,
  ],
  dashboard: [BACK, b('s', 'since', 'period: 24h, 7d, 30d', { visible: true, args: '[24h|7d|30d]' }), REFRESH],
  agents: [
    BACK,
    b('p', 'presence', 'my presence: online / away', { visible: true, args: '[online|away|offline]' }),
    // Supervisors' keys: the server refuses them to anyone else.
    b('a', 'add', 'add an agent (token shown once)', {
      aliases: ['add-agent'],
      args: '<name> [skills: languages: capacity: role:]',
    }),
    b('c', 'capacity', "the selected agent's capacity", { args: '<1-100>' }),
    b('s', 'skills', "the selected agent's skills", { args: '<a,b,…>' }),
    b('l', 'languages', "the selected agent's languages", { aliases: ['lang'], args: '<en,it,…>' }),
    b('P', 'set-presence', "the selected agent's presence", { args: '<online|away|offline>' }),
    b('T', 'rotate-token', 'a new token for the selected agent (the old one stops)', {
      dangerous: true,
      aliases: ['rotate'],
    }),
    b('D', 'remove', 'remove the selected agent', {
      dangerous: true,
      aliases: ['remove-agent'],
    }),
    ...MOVE_ROWS,
    REFRESH,
  ],
  supervision: [
    BACK,
    b('enter', 'watch', 'watch silently (opening changes nothing)', { visible: true }),
    b('w', 'whisper', 'whisper to the assigned agent', { visible: true }),
    b('B', 'barge', 'barge in (take it over)', { visible: true, aliases: ['bargein'] }),
    ...MOVE,
    REFRESH,
  ],
} as const satisfies Readonly<Record<ScreenName, readonly KeyBinding[]>>;

/** The actions a screen's own table names (all screens' when not given). */
export type ScreenAction<S extends ScreenName = ScreenName> = (typeof SCREENS)[S][number]['action'];
/** Every action a key or a command can name. */
export type Action = GlobalAction | ScreenAction;
/** What the App does itself, whatever the screen: the global keys, and going back. */
export type AppAction = GlobalAction | typeof BACK.action;
/** What a screen handles: its table's actions but the App's. */
export type OwnAction<S extends ScreenName = ScreenName> = Exclude<ScreenAction<S>, AppAction>;

export const SCREEN_KEYS: Readonly<Record<ScreenName, readonly KeyBinding<ScreenAction>[]>> = SCREENS;

/** The bindings in force on a screen: its own first, then the global ones. */
export function bindingsFor(screen: ScreenName): readonly KeyBinding<Action>[] {
  return [...SCREEN_KEYS[screen], ...GLOBAL_KEYS];
}

const NAMED: ReadonlyArray<readonly [keyof Key, string]> = [
  ['upArrow', 'up'],
  ['downArrow', 'down'],
  ['leftArrow', 'left'],
  ['rightArrow', 'right'],
  ['pageUp', 'pgup'],
  ['pageDown', 'pgdn'],
  ['home', 'home'],
  ['end', 'end'],
  ['return', 'enter'],
  ['escape', 'esc'],
  ['backspace', 'backspace'],
  ['delete', 'delete'],
];

/** Ink's (input, key) as one name in the keymap's spelling. */
export function keyName(input: string, key: Key): string {
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  for (const [flag, name] of NAMED) if (key[flag]) return name;
  if (key.ctrl && input.length === 1) return `ctrl+${input.toLowerCase()}`;
  // Ink reports ctrl+c as input 'c' with ctrl, but a raw \x03 may also come through.
  if (input === '\x03') return 'ctrl+c';
  return input;
}

/** One character of a chunk of typed keys, named as keyName would. */
export function charName(ch: string): string {
  if (ch === '\t') return 'tab';
  if (ch === '\r' || ch === '\n') return 'enter';
  if (ch === '\x7f' || ch === '\b') return 'backspace';
  const code = ch.charCodeAt(0);
  if (ch.length === 1 && code >= 1 && code <= 26) return `ctrl+${String.fromCharCode(code + 96)}`;
  return ch;
}

export function matchesKey(binding: KeyBinding, name: string): boolean {
  return binding.key === name || (binding.keys?.includes(name) ?? false);
}

export function findByKey<A extends string>(
  bindings: readonly KeyBinding<A>[],
  name: string,
): KeyBinding<A> | undefined {
  return bindings.find((x) => matchesKey(x, name));
}

/** A command line word: the action's name or one of its aliases. */
export function findByCommand<A extends string>(
  bindings: readonly KeyBinding<A>[],
  word: string,
): KeyBinding<A> | undefined {
  const w = word.toLowerCase();
  return bindings.find((x) => x.action === w || (x.aliases?.includes(w) ?? false));
}

/** What tab makes of a command word: the longest start all candidates share (the whole name when one is left). */
export function completion(candidates: readonly string[], typed: string): string {
  if (candidates.length === 0) return typed;
  if (candidates.length === 1) return `${candidates[0]} `;
  let prefix = candidates[0]!;
  for (const c of candidates) while (!c.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.length > typed.length ? prefix : typed;
}

/** Command names starting with what was typed, for completion and the hint under the command line. */
export function completeCommand(bindings: readonly KeyBinding[], prefix: string): string[] {
  const p = prefix.toLowerCase();
  const names = bindings.flatMap((x) => [x.action, ...(x.aliases ?? [])]).filter((n) => n.startsWith(p));
  return [...new Set(names)].sort();
}

/** `<c>` style label for the hint bar and the help. */
export function keyLabel(binding: KeyBinding): string {
  const keys = [binding.key, ...(binding.keys ?? [])].filter((k) => k !== '');
  return keys.length === 0 ? `:${binding.action}` : keys.join('/');
}
