/**
 * What an agent writes: a reply goes to the customer in their channel through
 * the outbox (stored first, delivered after); a note stays inside the team.
 */
import type { Attachment, Conversation, Message } from '../domain.js';
import { MAX_TEXT_LENGTH } from '../domain.js';
import {
  ForbiddenError,
  InvalidInputError,
  InvalidStateError,
  NotFoundError,
  ReplyWindowClosedError,
} from '../errors.js';
import { draftOutbound } from '../outbox/outbound.js';
import { onAgentReply, replyWindowClosesAt } from '../sla/timers.js';
import { type ChangeResult, caseEvent, changeConversation, loadAgent, type QueueContext } from './context.js';
import { applyOwnership } from './ownership.js';

function checkText(text: unknown, withFiles: boolean): string {
  // A file may go alone: then the text (its caption) may be empty.
  if (withFiles && text === '') return text;
  if (typeof text !== 'string' || text.trim().length === 0) {
    throw new InvalidInputError('The message text is empty; write something to send.');
  }
  if (text.length > MAX_TEXT_LENGTH) {
    throw new InvalidInputError(
      `The message is longer than ${MAX_TEXT_LENGTH} characters; split it into shorter messages.`,
      { length: text.length },
      'E_TEXT_TOO_LONG',
    );
  }
  return text;
}

async function write(
  ctx: QueueContext,
  conversationId: string,
  agentId: string,
  rawText: unknown,
  internal: boolean,
  attachments: readonly Attachment[] = [],
): Promise<ChangeResult & { messageId: string; message: Message }> {
  const text = checkText(rawText, attachments.length > 0);
  await loadAgent(ctx, agentId);
  let message: Message | undefined;
  const result = await changeConversation(ctx, conversationId, async (c, now) => {
    // Only the owner answers the customer; anyone on the team may leave a note.
    if (!internal) {
      applyOwnershipForReply(c, agentId);
      // Refused before it is stored: a reply the channel will not take must not show as sent.
      const closesAt = replyWindowClosesAt(c, ctx.config);
      if (closesAt && now.getTime() >= closesAt.getTime()) throw new ReplyWindowClosedError(c.id, c.channel, closesAt);
    }
    const customer = await ctx.desk.store.getCustomer(c.customerId);
    if (!customer) throw new NotFoundError('customer', c.customerId);
    const out = draftOutbound({
      conversation: c,
      customer,
      author: 'agent',
      agentId,
      text,
      attachments,
      internal,
      now,
    });
    message = out.message;
    const next: Conversation = {
      ...c,
      updatedAt: now.toISOString(),
      messageCount: c.messageCount + 1,
      sla: internal ? c.sla : onAgentReply(c, now),
    };
    const events = [out.event];
    if (!internal && !c.sla.firstRespondedAt) {
      const waitedMs = c.sla.queuedAt ? now.getTime() - new Date(c.sla.queuedAt).getTime() : undefined;
      events.push(caseEvent('conversation.first_response', next, now, agentId, { waitedMs }));
    }
    return { conversation: next, messages: [out.message], outbox: out.outbox ? [out.outbox] : [], events };
  });
  // Set by `decide`, which always runs before changeConversation resolves.
  return { ...result, messageId: message!.id, message: message! };
}

function applyOwnershipForReply(c: Conversation, agentId: string): void {
  // In mode `agent` a refusal means someone else owns it: that is a 403, not a state problem.
  if (c.mode === 'agent' && c.assignee !== agentId) {
    throw new ForbiddenError(
      `Conversation ${c.id} belongs to agent ${c.assignee}; only they can reply. Ask for a transfer, or add a note.`,
      { conversationId: c.id, assignee: c.assignee, agentId },
    );
  }
  applyOwnership(c, { type: 'AGENT_REPLIED', agentId });
}

/** An agent's reply to the customer, in the conversation's channel; `attachments` are files stored already (core/outbox/stored-files.ts). */
export function reply(
  ctx: QueueContext,
  conversationId: string,
  agentId: string,
  text: unknown,
  attachments?: readonly Attachment[],
) {
  return write(ctx, conversationId, agentId, text, false, attachments);
}

/** An internal note: stored with the transcript, never sent to the customer. */
export function note(
  ctx: QueueContext,
  conversationId: string,
  agentId: string,
  text: unknown,
  attachments?: readonly Attachment[],
) {
  return write(ctx, conversationId, agentId, text, true, attachments);
}

/**
 * Sends a reply the channel failed to deliver once more (the customer
 * unblocked the bot, the channel is back): its outbox entry is pending again,
 * as if stored now, so it goes out after what is already waiting for the chat.
 * Whoever may reply in the conversation may resend.
 */
export async function resend(
  ctx: QueueContext,
  conversationId: string,
  agentId: string,
  messageId: string,
): Promise<ChangeResult> {
  const agent = await loadAgent(ctx, agentId);
  return changeConversation(ctx, conversationId, async (c, now) => {
    if (agent.role !== 'supervisor' && c.mode === 'agent' && c.assignee !== agentId) {
      throw new ForbiddenError(
        `Conversation ${c.id} belongs to agent ${c.assignee}; only they or a supervisor can resend.`,
        {
          conversationId: c.id,
          assignee: c.assignee,
          agentId,
        },
      );
    }
    const entry = (await ctx.desk.store.listOutbox({ conversationId })).find((e) => e.messageId === messageId);
    if (!entry) throw new NotFoundError('message', messageId);
    if (entry.status !== 'failed') {
      throw new InvalidStateError(
        `Message ${messageId} is ${entry.status === 'pending' ? 'still being delivered' : 'delivered'}; only a failed reply can be resent.`,
        { messageId, status: entry.status },
      );
    }
    const at = now.toISOString();
    return {
      conversation: c,
      outbox: [{ ...entry, status: 'pending', attempts: 0, notBefore: at, createdAt: at, lastError: entry.lastError }],
      events: [caseEvent('message.resent', c, now, agentId, { messageId, outboxId: entry.id })],
    };
  });
}
