/**
 * Files in conversations. An agent reads what a customer sent: the server
 * fetches it from the channel (Telegram's getFile and file URL, a Bot
 * Framework content URL on an allowed host) and streams it on, never more
 * than CAREDESK_ATTACHMENT_MAX_SIZE. An agent sends a file: it is stored
 * (core/outbox/stored-files.ts) before the reply that carries it, and leaves
 * through the outbox like any reply.
 */
import { basename } from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { serviceUrlPolicy } from '../../bots/botframework/service-url.js';
import {
  type Attachment,
  AttachmentParamsSchema,
  type AttachmentUpload,
  CaredeskError,
  type Desk,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  readStoredFile,
  storedFileId,
  storeFiles,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import type { Config } from '../config.js';
import { ADMIN_BODY_LIMIT, parseInput } from './input.js';

/** Telegram's caption limit: the text that goes with a file. */
export const MAX_CAPTION_LENGTH = 1024;

/** Room for the JSON around the base64 of the largest file: the admin API's own body limit. */
const BODY_OVERHEAD = ADMIN_BODY_LIMIT;

/** The body limit of a message route that may carry a file of `maxBytes` in base64. */
export const uploadBodyLimit = (maxBytes: number): number => Math.ceil(maxBytes / 3) * 4 + BODY_OVERHEAD;

/**
 * A message without a file keeps the admin API's usual body limit
 * (ADMIN_BODY_LIMIT): the room made for a file in base64 is for files only.
 */
export function refuseLargeBodyWithoutFile(contentLength: string | undefined, uploads: readonly unknown[] | undefined) {
  if (uploads && uploads.length > 0) return;
  if (Number(contentLength ?? 0) > ADMIN_BODY_LIMIT) {
    throw Object.assign(new Error('The request body is too large. Send a smaller body.'), { statusCode: 413 });
  }
}

/** A file over the limit: 413, in caredesk's error shape (http-errors.ts words 4xx errors that carry a status). */
class TooLargeError extends Error {
  readonly statusCode = 413;
  constructor(what: string, size: number | undefined, maxBytes: number) {
    super(
      `${what} is ${size === undefined ? 'larger than' : `${size} bytes, over`} the limit of ${maxBytes} bytes (CAREDESK_ATTACHMENT_MAX_SIZE); raise the setting to let it through.`,
    );
  }
}

const channelDown = (message: string, details: Record<string, unknown> = {}) =>
  new CaredeskError('E_CHANNEL_DOWN', message, details);

/** Decodes and stores an agent's files before their reply is written; refuses what is too large. */
export async function storeUploads(
  desk: Desk,
  uploads: readonly AttachmentUpload[] | undefined,
  text: string,
  maxBytes: number,
  conversationId: string,
): Promise<Attachment[]> {
  if (!uploads || uploads.length === 0) return [];
  if (text.length > MAX_CAPTION_LENGTH) {
    throw new InvalidInputError(
      `The text of a message with a file is its caption, at most ${MAX_CAPTION_LENGTH} characters; send the rest as a message of its own.`,
      { length: text.length },
      'E_TEXT_TOO_LONG',
    );
  }
  const files = uploads.map((u) => {
    const bytes = Buffer.from(u.contentBase64, 'base64');
    if (bytes.length > maxBytes) throw new TooLargeError(`The file ${u.name}`, bytes.length, maxBytes);
    if (bytes.length === 0)
      throw new InvalidInputError(`The file ${u.name} is empty; attach a file with something in it.`);
    return { name: u.name, mimeType: u.mimeType, bytes };
  });
  return storeFiles(desk.store, files, conversationId);
}

interface Fetched {
  readonly body: Readable | Buffer;
  readonly contentType: string | undefined;
  readonly length: number | undefined;
  /** A file name the channel gave (Telegram's file path), when the message has none. */
  readonly name?: string;
}

export function attachmentRoutes(scope: FastifyInstance, { desk, config }: ServerContext): void {
  const maxBytes = config.attachments.maxBytes;
  const contentUrlRefusal = serviceUrlPolicy({
    withCredentials: Boolean(config.microsoft.appId),
    extraHosts: config.microsoft.serviceUrlHosts,
  });

  scope.get('/admin/v1/conversations/:id/messages/:messageId/attachments/:index', async (request, reply) => {
    const { id, messageId, index } = parseInput(AttachmentParamsSchema, request.params, 'The path');
    if (!(await desk.store.getConversation(id))) throw new NotFoundError('conversation', id);
    const message = (await desk.store.listMessages(id)).find((m) => m.id === messageId);
    if (!message) throw new NotFoundError('message', messageId);
    const attachment = message.attachments[index];
    if (!attachment) {
      throw new NotFoundError('attachment', `${messageId}/${index}`);
    }
    // Stops a download nobody waits for any more.
    const upstream = new AbortController();
    // The answer closing (sent, or the agent went away) ends whatever still streams from the channel.
    reply.raw.once('close', () => upstream.abort());
    const fetched = await fetchAttachment(attachment, message.channel, {
      config,
      desk,
      maxBytes,
      contentUrlRefusal,
      signal: upstream.signal,
    });
    const name = fileName(attachment, fetched.name, `${messageId}-${index}`);
    void reply
      .header('content-type', attachment.mimeType ?? fetched.contentType ?? 'application/octet-stream')
      .header('content-disposition', contentDisposition(name))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store');
    if (fetched.length !== undefined) void reply.header('content-length', String(fetched.length));
    return reply.send(fetched.body);
  });
}

interface FetchContext {
  readonly config: Config;
  readonly desk: Desk;
  readonly maxBytes: number;
  readonly contentUrlRefusal: (url: string) => string | undefined;
  readonly signal: AbortSignal;
}

async function fetchAttachment(a: Attachment, channel: string, ctx: FetchContext): Promise<Fetched> {
  if (storedFileId(a.ref) !== undefined) {
    const file = await readStoredFile(ctx.desk.store, a.ref);
    if (!file) throw new NotFoundError('stored file', a.ref);
    return { body: file.bytes, contentType: file.mimeType, length: file.bytes.length };
  }
  if (a.kind === 'location' || a.ref.startsWith('geo:')) {
    throw new NotFoundError('file for a location', a.ref);
  }
  if (channel === 'telegram') return telegramFile(a.ref, ctx);
  return contentUrlFile(a.ref, ctx);
}

/** Telegram: getFile names the file's path, then the Bot API's file URL serves it (files up to 20 MB for bots). */
async function telegramFile(fileId: string, ctx: FetchContext): Promise<Fetched> {
  const { botToken, apiRoot } = ctx.config.telegram;
  if (!botToken) {
    throw channelDown(
      'Telegram is not enabled on this server (no TELEGRAM_BOT_TOKEN), so its files cannot be fetched.',
    );
  }
  const root = (apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '');
  let answer: { ok?: boolean; description?: string; result?: { file_path?: string; file_size?: number } };
  try {
    const res = await fetch(`${root}/bot${botToken}/getFile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ file_id: fileId }),
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.config.replies.timeoutMs)]),
    });
    answer = (await res.json()) as typeof answer;
  } catch (err) {
    throw channelDown(`Telegram did not answer getFile: ${(err as Error).message}. Try again later.`);
  }
  if (!answer.ok || !answer.result?.file_path) {
    const why = answer.description ?? 'no file path in its answer';
    if (/too big/i.test(why)) throw new TooLargeError('The file', answer.result?.file_size, ctx.maxBytes);
    throw channelDown(`Telegram refused to give the file: ${why}.`);
  }
  const { file_path: path, file_size: size } = answer.result;
  if (size !== undefined && size > ctx.maxBytes) throw new TooLargeError('The file', size, ctx.maxBytes);
  const fetched = await download(`${root}/file/bot${botToken}/${path}`, ctx, () => undefined);
  return { ...fetched, name: basename(path) };
}

/** Bot Framework: the attachment's content URL, on a host the service-URL rules allow (service-url.ts). */
async function contentUrlFile(url: string, ctx: FetchContext): Promise<Fetched> {
  if (url.startsWith('data:')) {
    const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url);
    if (!m) throw channelDown('The attachment is a data: URL caredesk cannot read.');
    const bytes = m[2] ? Buffer.from(m[3] ?? '', 'base64') : Buffer.from(decodeURIComponent(m[3] ?? ''));
    if (bytes.length > ctx.maxBytes) throw new TooLargeError('The file', bytes.length, ctx.maxBytes);
    return { body: bytes, contentType: m[1] || undefined, length: bytes.length };
  }
  const refuse = (target: string): void => {
    const refused = ctx.contentUrlRefusal(target);
    if (refused !== undefined) {
      throw new ForbiddenError(
        `caredesk does not fetch this attachment: ${refused.replace(/^serviceUrl/, 'its URL')}.`,
        {
          url: target.slice(0, 256),
        },
      );
    }
  };
  refuse(url);
  return download(url, ctx, refuse);
}

/** Most redirects followed, each checked like the first URL: a redirect must not lead where a URL may not. */
const MAX_REDIRECTS = 3;

async function download(url: string, ctx: FetchContext, check: (url: string) => void): Promise<Fetched> {
  let target = url;
  for (let hop = 0; ; hop++) {
    // Until the answer's headers: a channel that does not answer fails the request instead of holding it.
    const waiting = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.config.replies.timeoutMs)]);
    const headersOnly = new AbortController();
    waiting.addEventListener('abort', () => headersOnly.abort(waiting.reason), { once: true });
    let res: Response;
    try {
      res = await fetch(target, { redirect: 'manual', signal: AbortSignal.any([ctx.signal, headersOnly.signal]) });
    } catch (err) {
      throw channelDown(`The channel did not serve the file: ${(err as Error).message}. Try again later.`);
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location && hop < MAX_REDIRECTS) {
      await res.body?.cancel();
      target = new URL(location, target).toString();
      check(target);
      continue;
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw channelDown(`The channel answered ${res.status} for the file.`, { status: res.status });
    }
    const length = Number(res.headers.get('content-length') ?? Number.NaN);
    if (length > ctx.maxBytes) {
      await res.body.cancel();
      throw new TooLargeError('The file', length, ctx.maxBytes);
    }
    // pipeline, not pipe: an error on either side (the channel's stream aborted, the limit passed) ends both, never unhandled.
    const body = atMost(ctx.maxBytes);
    pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), body, () => undefined);
    return {
      body,
      contentType: res.headers.get('content-type') ?? undefined,
      length: Number.isFinite(length) ? length : undefined,
    };
  }
}

/** Ends a stream that goes on past `max` bytes (a channel that did not say its size, or lied about it). */
function atMost(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) done(new TooLargeError('The file', undefined, max));
      else done(null, chunk);
    },
  });
}

function fileName(a: Attachment, channelName: string | undefined, fallback: string): string {
  // A sticker's "name" is its emoji, not a file name.
  const given = a.kind === 'sticker' ? undefined : a.name;
  const name = given ?? channelName ?? `${fallback}${extensionOf(a.mimeType)}`;
  return name.replace(/[\u0000-\u001f"\\/]/g, '_');
}

function extensionOf(mimeType: string | undefined): string {
  const known: Record<string, string> = {
    'image/jpeg': '.jpg',
    'image/png': '.png',
    'image/gif': '.gif',
    'image/webp': '.webp',
    'application/pdf': '.pdf',
    'audio/ogg': '.ogg',
    'video/mp4': '.mp4',
  };
  return (mimeType && known[mimeType]) ?? '';
}

/** RFC 6266: an ASCII fallback, and the real name in UTF-8. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
