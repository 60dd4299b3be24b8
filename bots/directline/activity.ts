/**
 * What Web Chat posts, read; and what caredesk sends back, written. A posted
 * message is handed to the Bot Framework channel's own reader
 * (normalizeActivity: the same schema, depth limit, button values and
 * attachments rules), then marked as the `webchat` channel with the Direct
 * Line conversation to answer in.
 */
import { z } from 'zod';
import {
  describeIssues,
  type Inbound,
  InvalidInputError,
  MAX_TEXT_LENGTH,
  type OutboxEntry,
} from '../../core/index.js';
import { MAX_ACTIVITY_DEPTH, normalizeActivity } from '../botframework/index.js';
import type { DirectLineActivity } from './transcript.js';

export const BOT_ACCOUNT = { id: 'caredesk', name: 'caredesk' } as const;

/**
 * normalizeActivity wants a serviceUrl (a Bot Framework reply address); a
 * Direct Line reply goes to the transcript instead, so this one is never used.
 */
const NO_SERVICE_URL = 'https://directline.invalid/';

/** What the reply context of a webchat identity holds: where its replies are appended. */
export interface WebchatReplyContext {
  readonly directLineConversationId: string;
}

export const PostedActivitySchema = z.object({
  type: z.string().min(1).max(64),
  text: z.string().optional(),
  locale: z.string().max(16).optional(),
  value: z.unknown().optional(),
  channelData: z
    .object({
      clientActivityID: z.string().max(128).optional(),
      clientTimestamp: z.string().max(64).optional(),
    })
    .optional(),
  attachments: z.array(z.unknown()).max(0, 'attachments are not taken over Direct Line yet; send text').optional(),
});
export type PostedActivity = z.infer<typeof PostedActivitySchema>;

/** Reads a posted activity or throws a 400 that says what is wrong with it. */
export function readPosted(raw: unknown): PostedActivity {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidInputError('Post one activity as a JSON object, e.g. {"type":"message","text":"hello"}.');
  }
  const parsed = PostedActivitySchema.safeParse(raw);
  if (!parsed.success)
    throw new InvalidInputError(`This activity is not valid: ${describeIssues(parsed.error.issues)}.`);
  const activity = parsed.data;
  if ((activity.text?.length ?? 0) > MAX_TEXT_LENGTH) {
    throw new InvalidInputError(
      `Message text is longer than ${MAX_TEXT_LENGTH} characters; split it into shorter messages.`,
      {},
      'E_TEXT_TOO_LONG',
    );
  }
  return activity;
}

export interface Visitor {
  readonly userId: string;
  readonly userName?: string;
}

/** The activity the transcript keeps for a visitor's post: the visitor and the conversation as the token says. */
export function visitorActivity(
  posted: PostedActivity,
  visitor: Visitor,
  conversationId: string,
): (id: string, timestamp: string) => DirectLineActivity {
  const clientActivityID = posted.channelData?.clientActivityID;
  return (id, timestamp) => ({
    type: 'message',
    id,
    timestamp,
    channelId: 'directline',
    from: { id: visitor.userId, name: visitor.userName, role: 'user' },
    conversation: { id: conversationId },
    text: posted.text,
    locale: posted.locale,
    value: posted.value,
    channelData: clientActivityID === undefined ? undefined : { clientActivityID },
  });
}

/**
 * A visitor message as core's Inbound on the webchat channel, through Bot
 * Framework's reader; throws a 400 if that reader refuses it (a `value`
 * nested too deep…). Called once before the message is stored, to refuse it
 * then, and once after, with its id.
 */
export function inboundOf(activity: DirectLineActivity): Inbound {
  const normalized = normalizeActivity({
    type: activity.type,
    id: activity.id,
    channelId: 'directline',
    serviceUrl: NO_SERVICE_URL,
    from: { id: activity.from.id, name: activity.from.name },
    recipient: BOT_ACCOUNT,
    conversation: { id: activity.conversation.id },
    text: activity.text,
    locale: activity.locale,
    value: activity.value,
  });
  if (normalized.kind !== 'inbound') {
    throw new InvalidInputError(
      `This activity cannot be read (${normalized.kind === 'invalid' ? normalized.reason : 'not a message'}); a value nests ${MAX_ACTIVITY_DEPTH} levels at most.`,
    );
  }
  const replyContext: WebchatReplyContext = { directLineConversationId: activity.conversation.id };
  return { ...normalized.inbound, channel: 'webchat', replyContext: { ...replyContext } };
}

/** The bot's or an agent's reply as Web Chat shows it; quick replies become suggested actions. */
export function replyActivity(
  entry: OutboxEntry,
  conversationId: string,
): (id: string, timestamp: string) => DirectLineActivity {
  return (id, timestamp) => ({
    type: 'message',
    id,
    timestamp,
    channelId: 'directline',
    from: { ...BOT_ACCOUNT, role: 'bot' },
    conversation: { id: conversationId },
    text: entry.text,
    textFormat: 'plain',
    suggestedActions:
      entry.quickReplies.length === 0
        ? undefined
        : {
            to: [],
            // messageBack: the flow gets the button's value, the transcript shows its label.
            actions: entry.quickReplies.map((q) => ({
              type: 'messageBack',
              title: q.label,
              text: q.label,
              displayText: q.label,
              value: q.value,
            })),
          },
  });
}
