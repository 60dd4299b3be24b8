/**
 * A Telegram update, validated, turned into core's Inbound. Only private
 * chats are answered (a care desk talks to one customer at a time).
 */
import { z } from 'zod';
import type { Attachment, Inbound } from '../../core/index.js';

const FileRef = z.object({
  file_id: z.string().min(1).max(2048),
  file_size: z.number().int().nonnegative().optional(),
  mime_type: z.string().max(128).optional(),
  file_name: z.string().max(256).optional(),
});

const UserSchema = z.object({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().max(256).optional(),
  last_name: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
  language_code: z.string().max(16).optional(),
});

const ChatSchema = z.object({ id: z.number().int(), type: z.string().max(32).optional() });

const MessageSchema = z.object({
  message_id: z.number().int(),
  from: UserSchema,
  chat: ChatSchema,
  date: z.number().int().optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(FileRef).optional(),
  document: FileRef.optional(),
  voice: FileRef.optional(),
  audio: FileRef.optional(),
  video: FileRef.optional(),
  sticker: FileRef.extend({ emoji: z.string().max(16).optional() }).optional(),
  location: z.object({ latitude: z.number(), longitude: z.number() }).optional(),
});

const CallbackQuerySchema = z.object({
  id: z.string().min(1).max(128),
  from: UserSchema,
  data: z.string().max(256).optional(),
  message: z.object({ message_id: z.number().int(), chat: ChatSchema }).optional(),
});

export const UpdateSchema = z.object({
  update_id: z.number().int().nonnegative(),
  message: MessageSchema.optional(),
  edited_message: MessageSchema.optional(),
  callback_query: CallbackQuerySchema.optional(),
});
export type TelegramUpdate = z.infer<typeof UpdateSchema>;

export type Normalized =
  | { readonly kind: 'inbound'; readonly inbound: Inbound; readonly callbackQueryId?: string }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

const displayName = (u: z.infer<typeof UserSchema>): string | undefined =>
  [u.first_name, u.last_name].filter(Boolean).join(' ') || u.username;

/** What the flow reads for a message that is not (only) text. */
function describe(m: z.infer<typeof MessageSchema>): { text: string; attachments: Attachment[] } {
  const text = m.text ?? m.caption ?? '';
  const attachments: Attachment[] = [];
  const photo = m.photo?.at(-1); // Telegram lists sizes smallest first
  // Telegram re-encodes every photo as JPEG.
  if (photo) attachments.push({ kind: 'image', ref: photo.file_id, mimeType: 'image/jpeg', size: photo.file_size });
  if (m.document) {
    const d = m.document;
    attachments.push({ kind: 'document', ref: d.file_id, name: d.file_name, mimeType: d.mime_type, size: d.file_size });
  }
  if (m.voice)
    attachments.push({
      kind: 'audio',
      ref: m.voice.file_id,
      mimeType: m.voice.mime_type,
      size: m.voice.file_size,
    });
  if (m.audio)
    attachments.push({
      kind: 'audio',
      ref: m.audio.file_id,
      name: m.audio.file_name,
      mimeType: m.audio.mime_type,
      size: m.audio.file_size,
    });
  if (m.video)
    attachments.push({
      kind: 'video',
      ref: m.video.file_id,
      name: m.video.file_name,
      mimeType: m.video.mime_type,
      size: m.video.file_size,
    });
  if (m.sticker)
    attachments.push({ kind: 'sticker', ref: m.sticker.file_id, name: m.sticker.emoji, size: m.sticker.file_size });
  if (m.location) {
    attachments.push({ kind: 'location', ref: `geo:${m.location.latitude},${m.location.longitude}` });
  }
  if (text !== '' || attachments.length === 0) return { text, attachments };
  const article = (word: string): string => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
  const names = attachments.map((a) => (a.kind === 'sticker' && a.name ? `a sticker ${a.name}` : article(a.kind)));
  return { text: `[the customer sent ${names.join(' and ')}]`, attachments };
}

export function normalizeUpdate(raw: unknown): Normalized {
  const parsed = UpdateSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', reason: parsed.error.issues[0]?.message ?? 'not an update' };
  const u = parsed.data;
  if (u.callback_query) {
    const q = u.callback_query;
    if (q.from.is_bot) return { kind: 'ignored', reason: 'from a bot' };
    const value = q.data ?? '';
    return {
      kind: 'inbound',
      callbackQueryId: q.id,
      inbound: {
        channel: 'telegram',
        kind: 'action',
        externalUserId: String(q.from.id),
        channelMessageId: `callback:${q.id}`,
        text: value,
        actionValue: value,
        displayName: displayName(q.from),
        language: q.from.language_code,
      },
    };
  }
  const message = u.message ?? u.edited_message;
  if (!message) {
    const inbound = unsupportedFrom(u, raw);
    return inbound ? { kind: 'inbound', inbound } : { kind: 'ignored', reason: 'an update with no sender' };
  }
  if (message.chat.type !== undefined && message.chat.type !== 'private') {
    return { kind: 'ignored', reason: `a ${message.chat.type} chat: caredesk answers private chats only` };
  }
  if (message.from.is_bot) return { kind: 'ignored', reason: 'from a bot' };
  const { text, attachments } = describe(message);
  const known = message.text !== undefined || attachments.length > 0;
  return {
    kind: 'inbound',
    inbound: {
      channel: 'telegram',
      kind: !known ? 'unsupported' : u.edited_message ? 'edit' : 'message',
      externalUserId: String(message.from.id),
      // A message id is unique within its chat; an edit keeps the id of the message it edits.
      channelMessageId: u.edited_message ? `edit:${u.update_id}` : `msg:${message.chat.id}:${message.message_id}`,
      text,
      attachments,
      editOfChannelMessageId: u.edited_message ? `msg:${message.chat.id}:${message.message_id}` : undefined,
      displayName: displayName(message.from),
      language: message.from.language_code,
    },
  };
}

/** An update kind caredesk does not handle (a poll answer, a chat member change…): from whom? */
function unsupportedFrom(u: TelegramUpdate, raw: unknown): Inbound | undefined {
  const body = raw as Record<string, { from?: { id?: unknown } } | undefined>;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'update_id' || typeof value?.from?.id !== 'number') continue;
    return {
      channel: 'telegram',
      kind: 'unsupported',
      externalUserId: String(value.from.id),
      channelMessageId: `update:${u.update_id}`,
      text: `[unsupported Telegram update: ${key}]`,
    };
  }
  return undefined;
}
