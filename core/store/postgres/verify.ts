/**
 * Checks a copy of a desk (import.ts) against the desk it came from: the count
 * of every kind of thing, every event with its number, every conversation,
 * and every conversation's transcript as a checksum computed on each side (sha256 of its
 * messages' JSON in order: here from the desk's listMessages, there by
 * PostgreSQL over the stored text), so nothing is trusted to have landed.
 * Reads a page at a time, as the copy does.
 */
import { createHash } from 'node:crypto';
import type { Channel, Conversation, Message } from '../../domain.js';
import { CaredeskError } from '../../errors.js';
import { eventDoc, fmt, type Queryable } from './import-rows.js';
import { conversationPages, type DeskSource } from './import-source.js';

/** Differences named in the error; the rest are counted. */
const SHOWN = 8;
const EVENTS_PER_PAGE = 5_000;

export interface VerifyReport {
  /** Conversations whose transcript was compared and matched. */
  readonly transcripts: number;
  readonly counts: Readonly<Record<string, number>>;
}

export interface VerifyOptions {
  readonly pageSize?: number;
  readonly progressEvery?: number;
  readonly say?: (line: string) => void;
}

/**
 * The database does not hold what the desk holds. It uses E_STORE_CORRUPT:
 * the copy cannot be read back as it was written.
 */
export class CopyMismatchError extends CaredeskError {
  constructor(
    location: string,
    readonly differences: readonly string[],
    total: number,
  ) {
    const more = total > differences.length ? `; and ${fmt(total - differences.length)} more` : '';
    super(
      'E_STORE_CORRUPT',
      `The copy in ${location} does not match the data directory: ${differences.join('; ')}${more}.`,
      { location, differences, total },
    );
  }
}

/** Throws CopyMismatchError naming what differs; returns what was compared. */
export async function verifyCopy(
  source: DeskSource,
  db: Queryable,
  location: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const differences: string[] = [];
  let total = 0;
  const differ = (what: string): void => {
    total++;
    if (differences.length < SHOWN) differences.push(what);
  };

  const counts = await compareCounts(source, db, differ);
  await compareEvents(source, db, differ);
  const transcripts = await compareTranscripts(source, db, differ, options);
  if (total > 0) throw new CopyMismatchError(location, differences, total);
  return { transcripts, counts };
}

async function compareCounts(
  source: DeskSource,
  db: Queryable,
  differ: (what: string) => void,
): Promise<Record<string, number>> {
  let customers = 0;
  const identities = new Set<string>();
  for (const c of source.customers()) {
    customers++;
    for (const i of c.identities) {
      if (await source.findCustomerByIdentity(i.channel as Channel, i.externalId))
        identities.add(`${i.channel}\u0000${i.externalId}`);
    }
  }
  let records = 0;
  for (const collection of source.recordCollections()) records += (await source.listRecords(collection)).length;
  const expected: Record<string, number> = {
    customers,
    identities: identities.size,
    conversations: await source.countConversations(),
    messages: await source.countMessages(),
    events: await source.lastEventSeq(),
    'outbox entries': (await source.listOutbox()).length,
    'flow snapshots': [...source.flowSnapshotIds()].length,
    agents: (await source.listAgents()).length,
    records,
  };
  const r = await db.query<Record<string, string>>(`SELECT
    (SELECT count(*) FROM customers) AS customers,
    (SELECT count(*) FROM customer_identities) AS identities,
    (SELECT count(*) FROM conversations) AS conversations,
    (SELECT count(*) FROM messages) AS messages,
    (SELECT count(*) FROM events) AS events,
    (SELECT count(*) FROM outbox) AS "outbox entries",
    (SELECT count(*) FROM flow_snapshots) AS "flow snapshots",
    (SELECT count(*) FROM agents) AS agents,
    (SELECT count(*) FROM records) AS records,
    (SELECT message_count FROM desk_counters WHERE id = 1) AS "the message counter",
    (SELECT last_event_seq FROM desk_counters WHERE id = 1) AS "the last event number"`);
  const found = r.rows[0] ?? {};
  expected['the message counter'] = expected.messages as number;
  expected['the last event number'] = expected.events as number;
  for (const [what, want] of Object.entries(expected)) {
    const got = Number(found[what] ?? 0);
    if (got !== want) differ(`${what}: ${fmt(want)} in the data directory, ${fmt(got)} in the database`);
  }
  return expected;
}

/** Every event, page by page: the same numbers, the same content. */
async function compareEvents(source: DeskSource, db: Queryable, differ: (what: string) => void): Promise<void> {
  const last = await source.lastEventSeq();
  for (let after = 0; after < last; ) {
    const here = await source.listEvents(after, EVENTS_PER_PAGE);
    if (here.length === 0) return;
    const there = await db.query<{ seq: string; doc: string }>(
      'SELECT seq, doc::text AS doc FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq',
      [after, (here.at(-1)?.seq ?? after) as number],
    );
    const bySeq = new Map(there.rows.map((row) => [Number(row.seq), row.doc]));
    for (const e of here) {
      const doc = bySeq.get(e.seq);
      if (doc === undefined) differ(`event ${e.seq} (${e.type}) is missing from the database`);
      else if (doc !== eventDoc(e)) differ(`event ${e.seq} (${e.type}) differs in the database`);
    }
    after = (here.at(-1)?.seq ?? last) as number;
  }
}

const transcriptText = (messages: readonly Message[]): string => messages.map((m) => JSON.stringify(m)).join('\n');
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

interface TheirTranscript {
  readonly id: string;
  readonly present: boolean;
  /** md5 of the conversation as stored. */
  readonly doc: string | null;
  readonly n: string;
  readonly sha: string | null;
}

async function compareTranscripts(
  source: DeskSource,
  db: Queryable,
  differ: (what: string) => void,
  options: VerifyOptions,
): Promise<number> {
  const say = options.say ?? (() => undefined);
  const progressEvery = options.progressEvery ?? 10_000;
  let matched = 0;
  let compared = 0;
  let nextReport = progressEvery;
  for await (const page of conversationPages(source, options.pageSize ?? 1_000)) {
    const there = await db.query<TheirTranscript>(
      `SELECT c.id, cv.id IS NOT NULL AS present, md5(cv.doc::text) AS doc, m.n, m.sha
       FROM unnest($1::text[]) AS c(id)
       LEFT JOIN conversations cv ON cv.id = c.id
       CROSS JOIN LATERAL (
         SELECT count(*) AS n, encode(sha256(convert_to(string_agg(doc::text, E'\\n' ORDER BY pos), 'UTF8')), 'hex') AS sha
         FROM messages WHERE conversation_id = c.id) AS m`,
      [page.map((c) => c.id)],
    );
    const byId = new Map(there.rows.map((row) => [row.id, row]));
    for (const c of page) {
      const messages = await source.listMessages(c.id);
      const theirs = byId.get(c.id);
      const mine = messages.length === 0 ? null : sha256(transcriptText(messages));
      if (!theirs?.present) differ(`conversation ${c.id} is missing from the database`);
      else if (theirs.doc !== md5(JSON.stringify(c))) differ(`conversation ${c.id} differs in the database`);
      else if (theirs.sha !== mine) differ(await describeTranscript(db, c, messages, Number(theirs.n)));
      else matched++;
    }
    compared += page.length;
    if (compared >= nextReport) {
      say(`verified ${fmt(compared)} transcripts`);
      while (nextReport <= compared) nextReport += progressEvery;
    }
  }
  return matched;
}

/** Where a transcript first differs, for the error. */
async function describeTranscript(
  db: Queryable,
  c: Conversation,
  messages: readonly Message[],
  theirCount: number,
): Promise<string> {
  if (theirCount !== messages.length) {
    return `conversation ${c.id}'s transcript has ${fmt(messages.length)} messages in the data directory, ${fmt(theirCount)} in the database`;
  }
  const r = await db.query<{ doc: string }>(
    'SELECT doc::text AS doc FROM messages WHERE conversation_id = $1 ORDER BY pos',
    [c.id],
  );
  const at = messages.findIndex((m, i) => JSON.stringify(m) !== r.rows[i]?.doc);
  const m = messages[at];
  return m === undefined
    ? `conversation ${c.id}'s transcript checksum differs`
    : `conversation ${c.id}'s transcript differs at message ${at + 1} of ${messages.length} (${m.id})`;
}
