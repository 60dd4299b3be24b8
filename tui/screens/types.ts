import type { AdminClient, AgentView } from '../client.js';
import type { AgentsData } from '../hooks/use-agents.js';
import type { BoardData } from '../hooks/use-board.js';
import type { ViewersData } from '../hooks/use-viewers.js';
import type { ViewName } from '../state/board.js';
import type { LiveFeed } from '../state/live-feed.js';

/** A screen's handler for its actions, by name (from a key or the command line) with the command's arguments. */
export type ActionHandler = (action: string, args: string) => void;

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
