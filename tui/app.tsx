import { Box, Text, useApp } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AdminClient, AgentView, Presence } from './client.js';
import { useAgents } from './hooks/use-agents.js';
import { useAlerts } from './hooks/use-alerts.js';
import { useBoard } from './hooks/use-board.js';
import { useFeedStatus } from './hooks/use-feed.js';
import { useHoldKeys, useKeyRouter, useKeys } from './hooks/use-keys.js';
import { useNow } from './hooks/use-now.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { useViewers } from './hooks/use-viewers.js';
import { type Action, type AppAction, bindingsFor, findByCommand, findByKey, type KeyBinding } from './keymap.js';
import { sanitizeLine } from './sanitize.js';
import { AgentsScreen } from './screens/agents.js';
import { BoardScreen } from './screens/board.js';
import { ConversationScreen } from './screens/conversation.js';
import { DashboardScreen } from './screens/dashboard.js';
import { SupervisionScreen } from './screens/supervision.js';
import type { ActionHandler, BoardUi, ReportKind, Route, ScreenProps } from './screens/types.js';
import { ALERT_COLOR } from './state/alerts.js';
import { customerNameOf } from './state/board.js';
import { KeyRouterContext } from './state/key-router.js';
import type { LiveFeed } from './state/live-feed.js';
import { truncate } from './text.js';
import { CommandLine } from './widgets/command-line.js';
import { Confirm } from './widgets/confirm.js';
import { ErrorBoundary } from './widgets/error-boundary.js';
import { HelpOverlay } from './widgets/help-overlay.js';
import { HintBar } from './widgets/hint-bar.js';
import { StatusBar } from './widgets/status-bar.js';

export interface AppProps {
  readonly client: AdminClient;
  readonly feed: LiveFeed;
  /** Who I am (GET /me at start). */
  readonly me: AgentView;
  readonly bell?: boolean;
  /** Rings the terminal bell; runTui writes BEL to the terminal. */
  readonly ring?: () => void;
  readonly clock?: () => Date;
  /** How often countdowns move (ms). */
  readonly tickMs?: number;
  readonly initialRoute?: Route;
  /** Called when the user quits (before Ink unmounts). */
  readonly onQuit?: () => void;
}

const SCREEN_TITLES: Readonly<Record<Route['screen'], string>> = {
  board: 'queue board',
  conversation: 'conversation screen',
  dashboard: 'dashboard',
  agents: 'agents screen',
  supervision: 'supervision screen',
};

const systemClock = (): Date => new Date();
const noBell = (): void => undefined;

/** The whole TUI, inside an error boundary, with one reader of the keyboard. */
export function App(props: AppProps): React.JSX.Element {
  return (
    <ErrorBoundary>
      <Keyboard>
        <Desk {...props} />
      </Keyboard>
    </ErrorBoundary>
  );
}

function Keyboard({ children }: { readonly children: React.ReactNode }): React.JSX.Element {
  const router = useKeyRouter();
  return <KeyRouterContext.Provider value={router}>{children}</KeyRouterContext.Provider>;
}

type Overlay = { kind: 'help' } | { kind: 'command' } | { kind: 'confirm'; binding: KeyBinding<Action>; args: string };

interface StatusMessage {
  readonly text: string;
  readonly kind: ReportKind;
  readonly at: number;
}

function Desk(props: AppProps): React.JSX.Element {
  const { client, feed } = props;
  const { exit } = useApp();
  const { columns: width, rows } = useTerminalSize();
  // One line short of the terminal: a frame as tall as the screen makes Ink clear it on every update.
  const height = Math.max(8, rows - 1);
  const now = useNow(props.clock ?? systemClock, props.tickMs);
  const board = useBoard(client, feed);
  const agents = useAgents(client, feed);
  const [meState, setMe] = useState(props.me);
  const me = agents.byId.get(meState.id) ?? meState;
  const viewers = useViewers(feed, me.id);
  const nameOf = useCallback(
    (id: string) => {
      const row = board.set.get(id);
      return row ? customerNameOf(row) : undefined;
    },
    [board.set],
  );
  const alerts = useAlerts({ client, feed, me, bell: props.bell ?? true, ring: props.ring ?? noBell, nameOf });
  const feedStatus = useFeedStatus(feed);

  const [stack, setStack] = useState<readonly Route[]>([props.initialRoute ?? { screen: 'board' }]);
  const route = stack[stack.length - 1]!;
  const [overlay, setOverlayState] = useState<Overlay>();
  const [capture, setCaptureState] = useState(false);
  // Read by the key handler: a key typed right after the one that opened an input must not reach the
  // App's bindings, even before React has drawn the input (the state alone would lag by a render).
  const overlayRef = useRef<Overlay>(undefined);
  const captureRef = useRef(false);
  const hold = useHoldKeys();
  const setOverlay = useCallback(
    (o: Overlay | undefined) => {
      if (overlayRef.current !== o) hold();
      overlayRef.current = o;
      setOverlayState(o);
    },
    [hold],
  );
  const [status, setStatus] = useState<StatusMessage>();
  const [boardUi, setBoardUi] = useState<BoardUi>({ view: 'queue', filter: '', selectedId: undefined });
  const actions = useRef<ActionHandler>(undefined);
  const bindings = bindingsFor(route.screen);

  const statusTimer = useRef<NodeJS.Timeout>(undefined);
  const report = useCallback((text: string, kind: ReportKind = 'info') => {
    setStatus({ text: sanitizeLine(text), kind, at: Date.now() });
    clearTimeout(statusTimer.current);
    // An outcome stays long enough to be read, then makes room; errors stay longer.
    statusTimer.current = setTimeout(() => setStatus(undefined), kind === 'error' ? 30_000 : 10_000);
  }, []);
  useEffect(() => () => clearTimeout(statusTimer.current), []);
  const setCapture = useCallback(
    (on: boolean) => {
      if (captureRef.current !== on) hold();
      captureRef.current = on;
      setCaptureState(on);
    },
    [hold],
  );
  const navigate = useCallback((to: Route) => {
    captureRef.current = false;
    setCaptureState(false);
    setStack((s) => (to.screen === 'board' ? [to] : to.screen === 'conversation' ? [...s, to] : [s[0]!, to]));
  }, []);
  const setBoard = useCallback((change: (ui: BoardUi) => BoardUi) => setBoardUi(change), []);
  const onPresence = useCallback((presence: Presence) => setMe((m) => ({ ...m, presence })), []);

  // What the App does itself, whatever the screen; every other action is the screen's.
  const appActions: Readonly<Record<AppAction, (args: string) => void>> = {
    help: () => setOverlay({ kind: 'help' }),
    command: () => setOverlay({ kind: 'command' }),
    board: () => navigate({ screen: 'board' }),
    dashboard: () => navigate({ screen: 'dashboard' }),
    agents: () => navigate({ screen: 'agents' }),
    supervision: () => navigate({ screen: 'supervision' }),
    back: () => {
      captureRef.current = false;
      setCaptureState(false);
      setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));
    },
    bell: (args) => {
      const wanted = args.trim().toLowerCase();
      const on = wanted === 'on' ? true : wanted === 'off' ? false : !alerts.bell;
      alerts.setBell(on);
      report(on ? 'The bell rings on alerts.' : 'The bell is off.', 'info');
    },
    quit: () => {
      props.onQuit?.();
      exit();
    },
  };
  const isAppAction = (action: Action): action is AppAction => Object.hasOwn(appActions, action);

  const dispatch = (binding: KeyBinding<Action>, args: string, confirmed = false): void => {
    if (binding.dangerous && !confirmed) {
      setOverlay({ kind: 'confirm', binding, args });
      return;
    }
    const action = binding.action;
    if (isAppAction(action)) appActions[action](args);
    else actions.current?.(action, args);
  };

  useKeys(
    (name) => {
      if (overlayRef.current || captureRef.current) return;
      const binding = findByKey(bindings, name);
      if (binding) dispatch(binding, '');
    },
    overlay === undefined && !capture,
  );

  const runCommand = (line: string): void => {
    setOverlay(undefined);
    const [word = '', ...rest] = line.split(/\s+/);
    const binding = findByCommand(bindings, word);
    if (!binding) {
      report(`No command ":${word}" here. ? lists this screen's keys and commands; tab completes.`, 'error');
      return;
    }
    dispatch(binding, rest.join(' '));
  };

  const connectionLine = feedStatus.state !== 'live' && feedStatus.detail !== undefined;
  const bodyHeight = height - 3 - (connectionLine ? 1 : 0);
  const screenProps: ScreenProps = {
    client,
    feed,
    me,
    board,
    agents,
    viewers,
    now,
    width,
    height: bodyHeight,
    active: overlay === undefined,
    actions,
    report,
    navigate,
    setCapture,
  };

  const screen = (() => {
    switch (route.screen) {
      case 'board':
        return <BoardScreen {...screenProps} ui={boardUi} setUi={setBoard} />;
      case 'conversation':
        return <ConversationScreen key={route.id} {...screenProps} id={route.id} compose={route.compose} />;
      case 'dashboard':
        return <DashboardScreen {...screenProps} />;
      case 'agents':
        return <AgentsScreen {...screenProps} onPresence={onPresence} />;
      case 'supervision':
        return <SupervisionScreen {...screenProps} />;
    }
  })();

  const alert = alerts.alert;
  const showAlert = alert !== undefined && (status === undefined || alert.at >= status.at);
  // biome-ignore lint/correctness/useExhaustiveDependencies: board.version says when the set changed
  const counts = useMemo(() => board.set.counts(now, me.id), [board.set, board.version, now, me.id]);

  return (
    <Box flexDirection="column" width={width} height={height}>
      <StatusBar server={client.server} status={feedStatus} me={me} counts={counts} bell={alerts.bell} width={width} />
      {connectionLine ? (
        <Text color="yellow" wrap="truncate-end">
          {truncate(`${feedStatus.state}: ${sanitizeLine(feedStatus.detail)}`, width)}
        </Text>
      ) : null}
      {overlay?.kind === 'help' ? (
        <HelpOverlay
          title={SCREEN_TITLES[route.screen]}
          bindings={bindings}
          width={width}
          height={bodyHeight}
          onClose={() => setOverlay(undefined)}
        />
      ) : null}
      {/* Kept mounted under the help: a draft, a scroll position and the presence lock survive it. */}
      {/* Clipped vertically only: a horizontal clip makes Ink cut every line with slice-ansi, each frame. */}
      <Box display={overlay?.kind === 'help' ? 'none' : 'flex'} flexGrow={1} flexShrink={1} overflowY="hidden">
        {screen}
      </Box>
      {overlay?.kind === 'command' ? (
        <CommandLine bindings={bindings} width={width} onRun={runCommand} onCancel={() => setOverlay(undefined)} />
      ) : (
        <>
          {overlay?.kind === 'confirm' ? (
            <Confirm
              question={`${overlay.binding.description[0]!.toUpperCase()}${overlay.binding.description.slice(1)}?`}
              width={width}
              onAnswer={(yes) => {
                setOverlay(undefined);
                if (yes) dispatch(overlay.binding, overlay.args, true);
                else report('Cancelled.', 'info');
              }}
            />
          ) : showAlert ? (
            <Text color={ALERT_COLOR[alert.kind]} bold wrap="truncate-end">
              {truncate(`⚑ ${alert.text}`, width)}
            </Text>
          ) : (
            <Text
              color={status?.kind === 'error' ? 'red' : status?.kind === 'ok' ? 'green' : undefined}
              wrap="truncate-end"
            >
              {truncate(status?.text ?? '', width) || ' '}
            </Text>
          )}
          <HintBar bindings={bindings} width={width} />
        </>
      )}
    </Box>
  );
}
