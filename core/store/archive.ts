import type { Conversation } from '../domain.js';
import { CompactIndex } from '../util/compact-index.js';

export interface ArchiveSnapshot {
  readonly text: string | Buffer;
  readonly entries: ReadonlyArray<readonly [string, { readonly customerId: string; readonly json: string }]>;
  readonly resolved: readonly Conversation[];
}

/**
 * Resolved conversations loaded from a checkpoint, as their JSON text with
 * an index by id and by customer; each is parsed when read. Updating one
 * (a reopen, a merge) moves it back among the parsed conversations.
 */
export class ArchivedConversations {
  private readonly texts = new Map<string, { customerId: string; json: string }>();
  private readonly byCustomer = new CompactIndex();
  /** Ids newest activity first, sorted on the first listing that wants only the newest. */
  private recency: string[] | undefined;
  /** The archive as loaded, indexed on first use: start-up only keeps the text. */
  private pending: string | Buffer = '';
  private pendingCount = 0;

  get size(): number {
    return this.texts.size + this.pendingCount;
  }

  load(archive: string | Buffer): void {
    this.index();
    this.pending = archive;
    let count = 0;
    for (let i = archive.indexOf('\n'); i >= 0; i = archive.indexOf('\n', i + 1)) count++;
    const last = typeof archive === 'string' ? archive.charCodeAt(archive.length - 1) : archive[archive.length - 1];
    if (archive.length > 0 && last !== 0x0a) count++;
    this.pendingCount = count;
  }

  private index(): void {
    if (this.pending.length === 0) return;
    const archive = this.pending.toString();
    this.pending = '';
    this.pendingCount = 0;
    for (const line of archive.split('\n')) {
      if (line === '') continue;
      const { id, customerId, json } = splitArchiveLine(line);
      this.texts.set(id, { customerId, json });
      this.byCustomer.add(customerId, id);
    }
  }

  /**
   * What a checkpoint writes, as of now: the text still unindexed (nothing was
   * removed from it then), the indexed entries, and the resolved conversations
   * given. Entries are immutable: later changes to the archive do not show.
   */
  snapshot(alsoResolved: readonly Conversation[]): ArchiveSnapshot {
    return { text: this.pending, entries: [...this.texts], resolved: alsoResolved };
  }

  get(id: string): Conversation | undefined {
    this.index();
    const entry = this.texts.get(id);
    return entry === undefined ? undefined : (JSON.parse(entry.json) as Conversation);
  }

  list(customerId?: string): Conversation[] {
    this.index();
    const ids = customerId === undefined ? this.texts.keys() : this.byCustomer.get(customerId);
    const out: Conversation[] = [];
    for (const id of ids) {
      const c = this.get(id);
      if (c) out.push(c);
    }
    return out;
  }

  /**
   * Offers archived conversations to `take`, newest activity first, until it
   * has accepted `limit`: the newest few are found without parsing them all.
   */
  newest(limit: number, take: (c: Conversation) => boolean, customerId?: string): void {
    this.index();
    this.recency ??= this.sortedByRecency();
    let taken = 0;
    for (const id of this.recency) {
      if (taken >= limit) return;
      const entry = this.texts.get(id);
      if (!entry || (customerId !== undefined && entry.customerId !== customerId)) continue;
      if (take(JSON.parse(entry.json) as Conversation)) taken++;
    }
  }

  private sortedByRecency(): string[] {
    const at = new Map<string, string>();
    for (const [id, { json }] of this.texts) {
      // Written by JSON.stringify: the key appears once, its value an ISO timestamp.
      const i = json.indexOf('"lastMessageAt":"');
      at.set(id, i < 0 ? '' : json.slice(i + 17, json.indexOf('"', i + 17)));
    }
    const ids = [...this.texts.keys()];
    ids.sort((a, b) => {
      const x = at.get(a) as string;
      const y = at.get(b) as string;
      return x < y ? 1 : x > y ? -1 : 0;
    });
    return ids;
  }

  delete(id: string): void {
    this.index();
    const entry = this.texts.get(id);
    if (!entry) return;
    this.texts.delete(id);
    this.byCustomer.delete(entry.customerId, id);
  }
}

/** One resolved conversation as a line of the checkpoint's archive. */
export const archiveLine = (id: string, customerId: string, json: string): string =>
  `["a",${JSON.stringify(id)},${JSON.stringify(customerId)},${json}]`;

const ARCHIVE_LINE = /^\["a","([^"\\]*)","([^"\\]*)",/;

function splitArchiveLine(line: string): { id: string; customerId: string; json: string } {
  const m = ARCHIVE_LINE.exec(line);
  if (m) return { id: m[1] as string, customerId: m[2] as string, json: line.slice(m[0].length, -1) };
  // Ids that JSON had to escape: rare, so parsed the slow way.
  const [, id, customerId, c] = JSON.parse(line) as [string, string, string, Conversation];
  return { id, customerId, json: JSON.stringify(c) };
}
