/**
 * What the conversation keys do on the server, and how each outcome reads
 * in the status line. The screens call these; they never call the client's
 * actions themselves, so the board and the conversation screen agree.
 */
import type { AdminClient, AgentView, Conversation, ConversationDetail, TransferTarget } from '../client.js';
import { sanitizeLine } from '../sanitize.js';
import { truncate } from '../text.js';

export type ConversationAction = 'claim' | 'takeover' | 'barge' | 'transfer' | 'handback' | 'resolve';

export interface ActionOutcome {
  readonly conversation: Conversation;
  readonly message: string;
}

const short = (id: string): string => sanitizeLine(id).slice(-8);

/** `skill:billing`, an agent's id, or an agent's name (any case; a unique prefix will do). */
export async function transferTarget(client: AdminClient, arg: string): Promise<TransferTarget> {
  const text = arg.trim();
  if (text === '') throw new Error('Transfer to whom? Give an agent (name or id) or skill:<name>.');
  const skill = /^skill:(.+)$/i.exec(text);
  if (skill) return { skill: skill[1]!.trim() };
  const agents = await client.agents();
  const lower = text.toLowerCase();
  const exact = agents.find((a) => a.id === text || a.name.toLowerCase() === lower);
  if (exact) return { agent: exact.id };
  const prefix = agents.filter((a) => a.name.toLowerCase().startsWith(lower));
  if (prefix.length === 1) return { agent: prefix[0]!.id };
  throw new Error(
    prefix.length > 1
      ? `"${sanitizeLine(text)}" matches ${prefix.map((a) => sanitizeLine(a.name)).join(', ')}; type more of the name.`
      : `No agent called "${sanitizeLine(text)}". Use an agent's name or id, or skill:<name>.`,
  );
}

export async function runConversationAction(
  client: AdminClient,
  me: AgentView,
  action: ConversationAction,
  target: Pick<Conversation, 'id' | 'mode' | 'assignee'>,
  arg = '',
): Promise<ActionOutcome> {
  const id = target.id;
  switch (action) {
    case 'claim': {
      const conversation = await client.claim(id);
      return { conversation, message: `Claimed ${short(id)}: it is yours now.` };
    }
    case 'takeover': {
      const conversation = await client.takeover(id);
      return { conversation, message: `Took ${short(id)} over from the bot; the flow is paused.` };
    }
    case 'barge': {
      // Barging in means owning it, whoever has it now: the bot, the queue or another agent.
      const conversation =
        target.mode === 'bot'
          ? await client.takeover(id)
          : target.mode === 'queued'
            ? await client.claim(id)
            : await client.transfer(id, { agent: me.id });
      const from = target.mode === 'agent' && target.assignee ? ` from ${sanitizeLine(target.assignee)}` : '';
      return { conversation, message: `Barged in on ${short(id)}${from}: you own it now.` };
    }
    case 'transfer': {
      const to = await transferTarget(client, arg);
      const conversation = await client.transfer(id, to);
      const whom = 'skill' in to ? `the ${sanitizeLine(to.skill)} queue` : sanitizeLine(arg.trim());
      return { conversation, message: `Transferred ${short(id)} to ${whom}.` };
    }
    case 'handback': {
      const conversation = await client.release(id);
      return { conversation, message: `Handed ${short(id)} back to the bot.` };
    }
    case 'resolve': {
      const conversation = await client.resolve(id);
      return { conversation, message: `Resolved ${short(id)}.` };
    }
  }
}

/** The reply the desk gave up on last, in transcript order (its message may be missing from an old transcript). */
export function latestFailedReply(detail: Pick<ConversationDetail, 'messages' | 'undelivered'>): string | undefined {
  const failed = new Set(detail.undelivered.filter((u) => u.status === 'failed').map((u) => u.messageId));
  if (failed.size === 0) return undefined;
  return detail.messages.findLast((m) => failed.has(m.id))?.id ?? [...failed].at(-1);
}

/** `:resend`: the conversation's most recent failed reply goes out once more. */
export async function resendLatestFailed(
  client: AdminClient,
  detail: Pick<ConversationDetail, 'conversation' | 'messages' | 'undelivered'>,
): Promise<ActionOutcome> {
  const messageId = latestFailedReply(detail);
  if (!messageId) {
    const trying = detail.undelivered.filter((u) => u.status === 'pending').length;
    throw new Error(
      trying > 0
        ? `No failed reply to resend: ${trying === 1 ? 'one is' : `${trying} are`} still being delivered.`
        : 'No failed reply to resend in this conversation.',
    );
  }
  const conversation = await client.resend(detail.conversation.id, messageId);
  const text = detail.messages.find((m) => m.id === messageId)?.text;
  const what = text ? ` "${truncate(sanitizeLine(text), 40)}"` : '';
  return { conversation, message: `Resent the failed reply${what}: it is on its way again.` };
}
