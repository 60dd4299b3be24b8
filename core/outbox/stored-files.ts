/**
 * Files an agent sends to a customer, stored before the reply that carries
 * them: a Store record each (collection `attachment-files`), so the file
 * survives a restart on every store (memory, embedded, PostgreSQL shared by
 * several processes) and the outbox can send it whenever the channel is
 * ready. The reply's Attachment names the file by `ref` (`stored:<id>`); a
 * channel's own references (a Telegram file_id, a content URL) never start so.
 *
 * Records are meant to be small documents and the embedded store keeps them
 * in memory: the size limit (CAREDESK_ATTACHMENT_MAX_SIZE) bounds each one.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Attachment } from '../domain.js';
import type { Store } from '../store/store.js';

export const STORED_FILES = 'attachment-files';
const PREFIX = 'stored:';

export const StoredFileSchema = z.object({
  name: z.string().min(1).max(256),
  mimeType: z.string().min(1).max(128),
  size: z.number().int().nonnegative(),
  /** The conversation it was sent in: what erasing a customer's data looks for. */
  conversationId: z.string().max(128).optional(),
  /** The bytes, base64: records are JSON on every store. */
  contentBase64: z.string(),
});
export type StoredFile = z.infer<typeof StoredFileSchema>;

/** A file handed in by an agent, before it is stored. */
export interface FileUpload {
  readonly name: string;
  readonly mimeType: string;
  readonly bytes: Buffer;
}

/** The id of the stored file an Attachment names, or undefined for a channel's own reference. */
export const storedFileId = (ref: string): string | undefined =>
  ref.startsWith(PREFIX) ? ref.slice(PREFIX.length) : undefined;

/** Images every channel shows inline; any other type goes as a document. */
const INLINE_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export const attachmentKindOf = (mimeType: string): Attachment['kind'] =>
  INLINE_IMAGES.has(mimeType.toLowerCase()) ? 'image' : 'document';

/** Stores the files durably (one commit) and returns the Attachments that name them. */
export async function storeFiles(
  store: Store,
  uploads: readonly FileUpload[],
  conversationId?: string,
): Promise<Attachment[]> {
  if (uploads.length === 0) return [];
  const stored = uploads.map((u) => ({ id: `file_${randomUUID()}`, upload: u }));
  await store.commit({
    records: stored.map(({ id, upload }) => ({
      collection: STORED_FILES,
      id,
      value: {
        name: upload.name,
        mimeType: upload.mimeType,
        size: upload.bytes.length,
        conversationId,
        contentBase64: upload.bytes.toString('base64'),
      } satisfies StoredFile,
    })),
  });
  return stored.map(({ id, upload }) => ({
    kind: attachmentKindOf(upload.mimeType),
    ref: `${PREFIX}${id}`,
    name: upload.name,
    mimeType: upload.mimeType,
    size: upload.bytes.length,
  }));
}

/** A stored file with its bytes, or undefined when the ref names none (or not a stored file). */
export async function readStoredFile(
  store: Pick<Store, 'getRecord'>,
  ref: string,
): Promise<(Omit<StoredFile, 'contentBase64'> & { bytes: Buffer }) | undefined> {
  const id = storedFileId(ref);
  if (id === undefined) return undefined;
  const parsed = StoredFileSchema.safeParse(await store.getRecord(STORED_FILES, id));
  if (!parsed.success) return undefined;
  const { contentBase64, ...meta } = parsed.data;
  return { ...meta, bytes: Buffer.from(contentBase64, 'base64') };
}

/** Removes stored files no message names (their reply was refused after they were stored). */
export async function forgetStoredFiles(store: Store, attachments: readonly Attachment[]): Promise<void> {
  const ids = attachments.map((a) => storedFileId(a.ref)).filter((id): id is string => id !== undefined);
  if (ids.length > 0) await store.commit({ records: ids.map((id) => ({ collection: STORED_FILES, id, value: null })) });
}
