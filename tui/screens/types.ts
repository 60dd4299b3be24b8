import type { AdminClient, AgentView } from '../client.js';
import type { AgentsData } from '../hooks/use-agents.js';
import type { BoardData } from '../hooks/use-board.js';
import type { ViewersData } from '../hooks/use-viewers.js';
import type { OwnAction, ScreenName } from '../keymap.js';
import type { ViewName } from '../state/board.js';
import type { LiveFeed } from '../state/live-feed.js';

/** What the App calls for a screen's action (from a key or the command line) with the command's arguments. */
export type ActionHandler = (action: OwnAction, args: string) => void;

/**
 * A screen's actions, one handler each, over the actions its key table names:
 * a row added to the table does not compile until it is handled here, and a
 * misspelt name is an error, not a key that silently does nothing.
 */
export type ActionHandlers<S extends ScreenName> = { readonly [A in OwnAction<S>]: (args: string) => void };

/** The screen's handlers as the App calls them: an action of another screen's table (never sent) does nothing. */
export function screenActions<S extends ScreenName>(handlers: ActionHandlers<S>): ActionHandler {
  const handles = (action: OwnAction): action is OwnAction<S> => Object.hasOwn(handlers, action);
  return (action, args) => {
    if (handles(action)) handlers[action](args);
  };
}

export type ComposeMode = 'reply' | 'note' | 'whisper';

export type Route =
  | { readonly screen: 'board' }
  | { readonly screen: 'conversation'; readonly id: string; readonly compose?: ComposeMode }
  | { readonly screen: 'dashboard' }
  | { readonly screen: 'agents' }
  | { readonly screen: 'supervision' };

export type ReportKind = 'ok' | 'error' | 'info';

/** The board's own state, kept by the App so that it survives a visit to a conversation. */
export interface BoardUi {
  readonly view: ViewName;
  readonly filter: string;
  readonly selectedId: string | undefined;
}

export interface ScreenProps {
  readonly client: AdminClient;
  readonly feed: LiveFeed;
  readonly me: AgentView;
  readonly board: BoardData;
  readonly agents: AgentsData;
  readonly viewers: ViewersData;
  readonly now: Date;
  readonly width: number;
  /** Lines the screen may use. */
  readonly height: number;
  /** No overlay (help, command line, confirmation) has the keys. */
  readonly active: boolean;
  /** Registers the screen's action handler (the App routes keys and commands to it). */
  readonly actions: { current: ActionHandler | undefined };
  readonly report: (text: string, kind?: ReportKind) => void;
  readonly navigate: (route: Route) => void;
  /** The screen's own text input has the keys (App keys pause). */
  readonly setCapture: (on: boolean) => void;
}
