/**
 * A Bot Framework activity, validated before botbuilder sees it, and turned
 * into core's Inbound. Activities from the dev chat (channelId `devchat`) are
 * core's `devchat` channel; every other channelId (msteams, webchat, slack,
 * facebook, emulator…) is the `botframework` channel.
 */
import { z } from 'zod';
import type { Attachment, Channel, Inbound } from '../../core/index.js';
import type { ServiceUrlPolicy } from './service-url.js';

const Account = z.object({ id: z.string().min(1).max(256), name: z.string().max(256).optional() });

export const ActivitySchema = z.object({
  type: z.string().min(1).max(64),
  id: z.string().min(1).max(256).optional(),
  channelId: z.string().min(1).max(64),
  // Replies are POSTed here: http(s) only; which hosts is service-url.ts's to judge.
  serviceUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(2048),
  from: Account,
  recipient: Account.optional(),
  conversation: z.object({ id: z.string().min(1).max(512) }),
  text: z.string().optional(),
  locale: z.string().max(16).optional(),
  value: z.unknown().optional(),
  attachments: z
    .array(
      z.object({
        contentType: z.string().max(256),
        contentUrl: z.string().max(2048).optional(),
        name: z.string().max(256).optional(),
      }),
    )
    .max(10)
    .optional(),
  membersAdded: z.array(Account).max(100).optional(),
});
export type BotActivity = z.infer<typeof ActivitySchema>;

/**
 * How deeply an activity may nest (the activity itself is level 1). Card
 * submits are a few levels deep; thousands of levels would overflow the stack
 * of whatever walks the value recursively (JSON.stringify among them).
 */
export const MAX_ACTIVITY_DEPTH = 32;

/** Whether `value` nests deeper than `max` levels of objects and arrays; walked without recursion. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [v, depth] = next;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v))
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
  }
  return false;
}

/** The action value the flow receives when a customer opens a conversation (conversationUpdate). */
export const CONVERSATION_START = 'conversation.start';

export type Normalized =
  | { readonly kind: 'inbound'; readonly inbound: Inbound }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

export const channelOf = (a: Pick<BotActivity, 'channelId'>): Channel =>
  a.channelId === 'devchat' ? 'devchat' : 'botframework';

/** What a proactive reply needs later: Bot Framework's ConversationReference. */
export function referenceOf(a: BotActivity): Record<string, unknown> {
  return {
    channelId: a.channelId,
    serviceUrl: a.serviceUrl,
    conversation: { id: a.conversation.id },
    user: { id: a.from.id, name: a.from.name },
    bot: a.recipient ? { id: a.recipient.id, name: a.recipient.name } : undefined,
    locale: a.locale,
  };
}

function attachmentsOf(a: BotActivity): Attachment[] {
  return (a.attachments ?? [])
    .filter((x) => x.contentUrl)
    .map((x) => ({
      kind: x.contentType.startsWith('image/')
        ? 'image'
        : x.contentType.startsWith('audio/')
          ? 'audio'
          : x.contentType.startsWith('video/')
            ? 'video'
            : 'document',
      ref: x.contentUrl as string,
      name: x.name,
      mimeType: x.contentType,
    }));
}

/** A card or suggested-action submit carries its choice in `value`: a string, or an object with one. */
function actionValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value.slice(0, 256);
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    for (const key of ['value', 'action', 'choice', 'id'])
      if (typeof v[key] === 'string') return String(v[key]).slice(0, 256);
    return JSON.stringify(value).slice(0, 256);
  }
  return undefined;
}

/** `serviceUrlRefusal` says where replies may not go (service-url.ts); without it, any http(s) URL will do. */
export function normalizeActivity(raw: unknown, serviceUrlRefusal?: ServiceUrlPolicy): Normalized {
  if (nestsDeeperThan(raw, MAX_ACTIVITY_DEPTH)) {
    return { kind: 'invalid', reason: `activity: nested more than ${MAX_ACTIVITY_DEPTH} levels deep` };
  }
  const parsed = ActivitySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', reason: `${issue?.path.join('.') || 'activity'}: ${issue?.message ?? 'invalid'}` };
  }
  const a = parsed.data;
  const refused = serviceUrlRefusal?.(a.serviceUrl);
  if (refused !== undefined) return { kind: 'invalid', reason: refused };
  const base = {
    channel: channelOf(a),
    externalUserId: a.from.id,
    displayName: a.from.name,
    language: a.locale,
    replyContext: referenceOf(a),
  };
  if (a.type === 'message') {
    if (!a.id) return { kind: 'invalid', reason: 'id: a message activity needs an id' };
    const value = a.value === undefined ? undefined : actionValue(a.value);
    const attachments = attachmentsOf(a);
    const text = a.text ?? '';
    if (value !== undefined) {
      return {
        kind: 'inbound',
        inbound: { ...base, kind: 'action', channelMessageId: a.id, text: text || value, actionValue: value },
      };
    }
    const described = text || (attachments.length > 0 ? `[the customer sent ${attachments.length} attachment(s)]` : '');
    return {
      kind: 'inbound',
      inbound: {
        ...base,
        kind: described ? 'message' : 'unsupported',
        channelMessageId: a.id,
        // Stored as what it is, so an agent reading the case sees more than an empty line.
        text: described || '[unsupported Bot Framework message: no text, attachment or value]',
        attachments,
      },
    };
  }
  if (a.type === 'conversationUpdate') {
    const customer = (a.membersAdded ?? []).find((m) => m.id !== a.recipient?.id);
    if (!customer) return { kind: 'ignored', reason: 'conversationUpdate without a new customer' };
    return {
      kind: 'inbound',
      inbound: {
        ...base,
        externalUserId: customer.id,
        displayName: customer.name,
        kind: 'action',
        channelMessageId: a.id ?? `join:${a.conversation.id}:${customer.id}`,
        text: '',
        actionValue: CONVERSATION_START,
      },
    };
  }
  return { kind: 'ignored', reason: `activity type ${a.type}` };
}
