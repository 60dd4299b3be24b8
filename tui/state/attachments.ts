/**
 * Files in a conversation, as the TUI handles them: numbered in transcript
 * order (`#1`, `#2`… as the transcript shows them), opened by saving them to
 * a temporary file whose path the status line prints (the agent opens it
 * with whatever viewer they like), and attached from a path on this machine.
 */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type { AdminClient, Conversation, Message } from '../client.js';
import { sanitizeLine } from '../sanitize.js';

type Attachment = Message['attachments'][number];

export interface NumberedAttachment {
  /** 1 for the conversation's first file. */
  readonly n: number;
  readonly messageId: string;
  /** Its place in the message. */
  readonly index: number;
  readonly attachment: Attachment;
}

/** Every file of the transcript, numbered from 1 in order. */
export function numberAttachments(messages: readonly Message[]): NumberedAttachment[] {
  const out: NumberedAttachment[] = [];
  for (const m of messages) {
    m.attachments.forEach((attachment, index) => {
      out.push({ n: out.length + 1, messageId: m.id, index, attachment });
    });
  }
  return out;
}

/** `48.8 KB`, `1.2 MB`, `512 B`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What the transcript shows for a file: `#2 image · photo.jpg · 48.8 KB`. */
export function describeAttachment(a: Attachment, n: number): string {
  const parts = [`#${n} ${a.kind}`];
  if (a.name) parts.push(sanitizeLine(a.name));
  if (a.kind === 'location') parts.push(sanitizeLine(a.ref.replace(/^geo:/, '')));
  if (a.size !== undefined) parts.push(formatSize(a.size));
  return parts.join(' · ');
}

/** Saves file `#arg` (the latest when no number is given) to a new temporary folder; its path. */
export async function saveAttachment(
  client: AdminClient,
  conversationId: string,
  messages: readonly Message[],
  arg: string,
  dir = tmpdir(),
): Promise<{ path: string; size: number; n: number }> {
  const all = numberAttachments(messages).filter((a) => a.attachment.kind !== 'location');
  if (all.length === 0) throw new Error('This conversation has no file to open.');
  const wanted = arg.trim().replace(/^#/, '');
  const pick = wanted === '' ? all.at(-1) : all.find((a) => String(a.n) === wanted);
  if (!pick) {
    throw new Error(`No file #${sanitizeLine(wanted)} here; the files are #${all.map((a) => a.n).join(', #')}.`);
  }
  if (!client.attachment) throw new Error('This client cannot fetch files.');
  const file = await client.attachment(conversationId, pick.messageId, pick.index);
  // Only a base name from the server, never a path.
  const name = basename(file.name ?? pick.attachment.name ?? `file-${pick.n}`).replace(/^\.+/, '') || `file-${pick.n}`;
  const folder = await mkdtemp(join(dir, 'caredesk-'));
  const path = join(folder, name);
  await writeFile(path, file.bytes, { mode: 0o600 });
  return { path, size: file.bytes.length, n: pick.n };
}

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.zip': 'application/zip',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** `:attach <path> [caption]`: the path may be quoted ("my file.pdf"), the rest is the caption. */
export function parseAttachArgs(args: string): { path: string; caption: string } {
  const text = args.trim();
  const quoted = /^"([^"]+)"\s*(.*)$/s.exec(text) ?? /^'([^']+)'\s*(.*)$/s.exec(text);
  if (quoted) return { path: quoted[1] as string, caption: (quoted[2] ?? '').trim() };
  const [path = '', ...rest] = text.split(/\s+/);
  return { path, caption: rest.join(' ') };
}

/** Sends the file at `args`' path to the customer (a note when `internal`), the rest of `args` as its caption. */
export async function attachFile(
  client: AdminClient,
  conversation: Pick<Conversation, 'id'>,
  args: string,
  internal = false,
): Promise<{ conversation: Conversation; message: string }> {
  const { path, caption } = parseAttachArgs(args);
  if (path === '') throw new Error('Attach which file? Give its path: :attach <path> [caption].');
  if (!client.sendFile) throw new Error('This client cannot send files.');
  const full = resolve(path.replace(/^~(?=$|\/)/, process.env.HOME ?? '~'));
  const info = await stat(full).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`There is no file at ${sanitizeLine(full)}.`);
  const bytes = await readFile(full);
  const name = basename(full);
  const out = await client.sendFile(
    conversation.id,
    caption,
    {
      name,
      mimeType: MIME_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
      contentBase64: bytes.toString('base64'),
    },
    internal,
  );
  return {
    conversation: out.conversation,
    message: `Sent ${sanitizeLine(name)} (${formatSize(bytes.length)}) ${internal ? 'as a note' : 'to the customer'}.`,
  };
}
