/**
 * `caredesk migrate --from-data-dir` on a big desk: how long copying and
 * verifying it takes, and the copying process's peak memory (which must not
 * grow with the desk: it reads and writes a page at a time).
 *
 *   npx tsx bench/postgres-import.ts                      100,000 conversations
 *   npx tsx bench/postgres-import.ts --conversations 10000
 *   npx tsx bench/postgres-import.ts --heap-mb 256       the copy with a 256 MB V8 heap limit
 *
 * The desk is written straight to an EmbeddedStore (fsync off), a commit per
 * conversation (a journal line each, as a desk writes them): a customer per
 * conversation, 4 messages and 3 events each, 90% resolved (in the
 * checkpoint's archive), a flow snapshot and a pending reply for the open
 * ones. PostgreSQL is a server of its own with fsync on (startCluster with
 * fast: false), or the one CAREDESK_TEST_DATABASE_URL names (a superuser URL).
 * The copy runs in a child process, so that its peak RSS is the copy's alone;
 * another child only opens the desk, for the floor (the store's own memory).
 * Writes bench/results/postgres-import.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Conversation, Customer, Message, NewEvent, OutboxEntry } from '../core/index.js';
import { EmbeddedStore } from '../core/index.js';
import { migrate } from '../core/store/postgres/index.js';
import { loadConfig } from '../server/config.js';
import { copyDataDir } from '../server/postgres-import.js';
import { startCluster } from '../test/helpers/postgres.js';

interface ChildResult {
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly transcripts: number;
  readonly counts: Readonly<Record<string, number>>;
}

/** In a child: only open the desk, for the memory that holding it open takes (the copy's floor). */
async function openOnly(dir: string): Promise<void> {
  const store = new EmbeddedStore(dir, { fsync: false });
  await store.open();
  process.stdout.write(JSON.stringify({ maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
  await store.close();
}

/** In a child: copy, then report on stdout (progress goes to stderr). */
async function child(dir: string, url: string): Promise<void> {
  const summary = await copyDataDir(dir, loadConfig({ DATABASE_URL: url, CAREDESK_FSYNC: 'false' }), (line) =>
    process.stderr.write(`  ${line}\n`),
  );
  const result: ChildResult = {
    seconds: Number(summary.seconds.toFixed(1)),
    // maxRSS is in kilobytes.
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    transcripts: summary.transcripts,
    counts: summary.counts,
  };
  process.stdout.write(JSON.stringify(result));
}

const WAVE = 1_000;
const base = Date.parse('2026-06-01T08:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** Conversations [from, to) with their customers, messages, events and (open ones) snapshot and reply. */
function wave(from: number, to: number) {
  const customers: Customer[] = [];
  const conversations: Conversation[] = [];
  const messages: Message[] = [];
  const events: NewEvent[] = [];
  const outbox: OutboxEntry[] = [];
  const flowSnapshots: { conversationId: string; snapshot: unknown }[] = [];
  for (let i = from; i < to; i++) {
    const t = base + i * 60_000;
    const customerId = `cus_${i}`;
    const id = `cnv_${i}`;
    const resolved = i % 10 !== 0;
    customers.push({
      id: customerId,
      identities: [{ channel: 'telegram', externalId: `u${i}`, displayName: `Customer ${i}` }],
      createdAt: iso(t),
    });
    const texts = [
      'Hi, my internet has been slow since yesterday evening',
      'Sorry to hear that. Have you tried restarting the router?',
      'Yes, twice, still slow',
      `I have opened a ticket with our engineers, ref #${i}`,
    ];
    for (const [k, text] of texts.entries()) {
      const inbound = k % 2 === 0;
      messages.push({
        id: `msg_${i}_${k}`,
        conversationId: id,
        customerId,
        channel: 'telegram',
        direction: inbound ? 'inbound' : 'outbound',
        author: inbound ? 'customer' : 'bot',
        text,
        attachments: [],
        channelMessageId: inbound ? `tg${i}_${k}` : undefined,
        internal: false,
        createdAt: iso(t + k * 5_000),
      });
    }
    const last = iso(t + 15_000);
    conversations.push({
      id,
      customerId,
      channel: 'telegram',
      mode: resolved ? 'resolved' : 'bot',
      flow: 'care',
      flowState: resolved ? undefined : 'awaitingAnswer',
      tags: [],
      priority: 'normal',
      topic: 'connectivity',
      sla: {},
      createdAt: iso(t),
      updatedAt: last,
      lastMessageAt: last,
      lastMessagePreview: texts[3],
      resolvedAt: resolved ? iso(t + 20_000) : undefined,
      messageCount: texts.length,
    });
    events.push(
      { type: 'conversation.opened', at: iso(t), conversationId: id, customerId, data: {} },
      { type: 'message.received', at: iso(t), conversationId: id, customerId, data: { messageId: `msg_${i}_0` } },
      resolved
        ? { type: 'conversation.resolved', at: iso(t + 20_000), conversationId: id, data: {} }
        : { type: 'message.sent', at: last, conversationId: id, data: { outboxId: `out_${i}` } },
    );
    if (!resolved) {
      flowSnapshots.push({ conversationId: id, snapshot: { status: 'active', value: 'awaitingAnswer', context: {} } });
      outbox.push({
        id: `out_${i}`,
        messageId: `msg_${i}_3`,
        conversationId: id,
        channel: 'telegram',
        recipient: `u${i}`,
        text: texts[3] as string,
        quickReplies: [],
        status: 'pending',
        attempts: 0,
        notBefore: last,
        createdAt: last,
      });
    }
  }
  return { customers, conversations, messages, events, outbox, flowSnapshots };
}

async function buildDesk(dir: string, n: number): Promise<void> {
  const store = new EmbeddedStore(dir, { fsync: false });
  await store.open();
  // A commit per conversation, as a desk writes (a line each in the journal), a wave of them sharing one write.
  for (let i = 0; i < n; i += WAVE) {
    const commits = [];
    for (let j = i; j < Math.min(n, i + WAVE); j++) commits.push(store.commit(wave(j, j + 1)));
    await Promise.all(commits);
  }
  // Closing writes the checkpoint: the resolved conversations go to its archive, as on a desk in use.
  await store.close();
}

function runChild<T>(args: readonly string[], heapMb?: number): Promise<T> {
  const script = fileURLToPath(import.meta.url);
  const flags = heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`];
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...flags, '--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${args[0]} exited ${code}`))));
  });
}

async function createDatabase(serverUrl: string): Promise<string> {
  const name = `caredesk_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  await migrate(client as unknown as pg.PoolClient, name);
  await client.end();
  return u.toString();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1] as string, args[2] as string);
    return;
  }
  if (args[0] === '--open-only') {
    await openOnly(args[1] as string);
    return;
  }
  const option = (name: string): number | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const value = Number(args[at + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} takes a positive integer`);
    return value;
  };
  const n = option('--conversations') ?? 100_000;
  // The copy's V8 heap limit (MB): a copy that fits a small heap holds only a page at a time.
  const heapMb = option('--heap-mb');
  // Imported here: it calibrates the machine, which the child has no use for.
  const { writeResults } = await import('./machine.js');

  const root = mkdtempSync(join(tmpdir(), 'caredesk-bench-import-'));
  const dir = join(root, 'desk');
  console.log(`bench:postgres-import, ${n.toLocaleString('en-US')} conversations, desk in ${dir}`);
  let started = performance.now();
  await buildDesk(dir, n);
  console.log(`  desk written in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const own = process.env.CAREDESK_TEST_DATABASE_URL;
  const cluster = own ? undefined : await startCluster({ fast: false });
  try {
    const url = await createDatabase(own ?? (cluster?.url as string));
    const opened = await runChild<{ maxRssMb: number }>(['--open-only', dir]);
    console.log(`  the desk held open alone: peak RSS ${opened.maxRssMb} MB`);
    started = performance.now();
    const result = await runChild<ChildResult>(['--child', dir, url], heapMb);
    const wallSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
    console.log(
      `  copied and verified ${result.transcripts.toLocaleString('en-US')} transcripts in ${result.seconds} s (${wallSeconds} s with the process start), peak RSS ${result.maxRssMb} MB`,
    );
    writeResults('postgres-import', {
      bench: 'postgres-import',
      date: new Date().toISOString(),
      conversations: n,
      postgres: own ? 'CAREDESK_TEST_DATABASE_URL' : 'startCluster({ fast: false })',
      copySeconds: result.seconds,
      wallSeconds,
      conversationsPerSecond: Math.round(n / result.seconds),
      peakRssMb: result.maxRssMb,
      openDeskPeakRssMb: opened.maxRssMb,
      heapLimitMb: heapMb ?? null,
      transcriptsVerified: result.transcripts,
      counts: result.counts,
    });
  } finally {
    await cluster?.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
