/**
 * The agent who has a Web Chat visitor's case typing a reply shows in the
 * widget as the bot typing (a Direct Line `typing` activity), as it would
 * from a bot on Azure. Agents' screens report what they do in a conversation
 * (server/admin/viewers.ts: viewing, typing, left); this follows those
 * reports. Only the assignee counts: a supervisor whispering to them is not
 * about to write to the customer.
 *
 * Web Chat shows a typing indicator for 5 seconds after each typing activity,
 * and agents' screens report a change, not every key: while the assignee
 * types, the activity is sent again every TYPING_REPEAT_MS. It goes to the
 * open WebSockets only, never into the transcript: a reload does not replay
 * who was typing an hour ago.
 */
import { randomBytes } from 'node:crypto';
import type { Desk, Logger } from '../../core/index.js';
import { BOT_ACCOUNT } from './activity.js';
import type { DirectLineActivity, Transcripts } from './transcript.js';

/** Under Web Chat's 5 s indicator, so that it stays on without a flicker while the agent types. */
export const TYPING_REPEAT_MS = 3_000;

/** What agents do in a desk conversation, as the admin API hears it (ViewerRegistry has this shape). */
export interface AgentActivitySource {
  /** Calls `listener` each time what the agents in a conversation do changes; returns the function that stops it. */
  onChange(
    listener: (
      conversationId: string,
      viewers: readonly { readonly agentId: string; readonly activity: 'viewing' | 'typing' }[],
    ) => void,
  ): () => void;
}

export class AgentTyping {
  /** Desk conversation id → the timer repeating the indicator while its assignee types. */
  private readonly repeating = new Map<string, NodeJS.Timeout>();
  /** Bumped on each change: a slower look-up for an older change must not restart what a newer one stopped. */
  private readonly versions = new Map<string, number>();
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly desk: Desk,
    private readonly transcripts: Pick<Transcripts, 'signal' | 'conversationOfUser'>,
    private readonly source: AgentActivitySource,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopListening ??= this.source.onChange((conversationId, viewers) => {
      const typing = viewers.filter((v) => v.activity === 'typing').map((v) => v.agentId);
      // Tracked, so that tests (and a shutdown) can wait for the look-up with desk.idle().
      this.desk.track(
        this.changed(conversationId, typing).catch((err: unknown) =>
          this.logger.warn({ err, conversationId }, 'Web Chat: could not show an agent typing'),
        ),
      );
    });
  }

  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    for (const timer of this.repeating.values()) clearInterval(timer);
    this.repeating.clear();
    this.versions.clear();
  }

  private async changed(conversationId: string, typingAgents: readonly string[]): Promise<void> {
    const version = (this.versions.get(conversationId) ?? 0) + 1;
    this.versions.set(conversationId, version);
    clearInterval(this.repeating.get(conversationId));
    this.repeating.delete(conversationId);
    if (typingAgents.length === 0) {
      this.versions.delete(conversationId);
      return;
    }
    const targets = await this.directLineConversationsOf(conversationId, typingAgents);
    if (targets.length === 0 || this.versions.get(conversationId) !== version || !this.stopListening) return;
    const show = () => {
      for (const id of targets) this.transcripts.signal(id, typingActivity(id, this.desk.clock.now().toISOString()));
    };
    show();
    const timer = setInterval(show, TYPING_REPEAT_MS);
    timer.unref();
    this.repeating.set(conversationId, timer);
  }

  /** The visitor's Direct Line conversations, if the case is answered on Web Chat and its assignee is typing. */
  private async directLineConversationsOf(conversationId: string, typingAgents: readonly string[]): Promise<string[]> {
    const conversation = await this.desk.store.getConversation(conversationId);
    if (conversation?.channel !== 'webchat' || conversation.mode === 'resolved') return [];
    if (conversation.assignee === undefined || !typingAgents.includes(conversation.assignee)) return [];
    const customer = await this.desk.store.getCustomer(conversation.customerId);
    const visitors = (customer?.identities ?? []).filter((i) => i.channel === 'webchat').map((i) => i.externalId);
    const found = await Promise.all(visitors.map((userId) => this.transcripts.conversationOfUser(userId)));
    return found.filter((id): id is string => id !== undefined);
  }
}

function typingActivity(conversationId: string, timestamp: string): DirectLineActivity {
  return {
    type: 'typing',
    id: `${conversationId}|typing-${randomBytes(6).toString('hex')}`,
    timestamp,
    channelId: 'directline',
    from: { ...BOT_ACCOUNT, role: 'bot' },
    conversation: { id: conversationId },
  };
}
