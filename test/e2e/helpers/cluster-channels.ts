/**
 * Customers and supervisors of a desk of several processes, all through the
 * test's proxy (helpers/cluster.ts):
 * - Telegram in webhook mode: the test posts each update to the proxy's
 *   /telegram/webhook with the secret, as Telegram does, and posts it again
 *   until it gets a 2xx (Telegram redelivers what was not acknowledged). The
 *   emulator cannot be the pusher: it posts without the secret header.
 * - Bot Framework: activities posted to /api/messages, again until a 2xx,
 *   replies going to a fake channel (test/bots/botframework/fake-channel.ts).
 * - The admin event stream (SSE) read through the proxy, reconnecting with
 *   Last-Event-ID when its connection ends, as the TUI does.
 * - A look into the database's tables (docs/postgres.md, "The tables").
 */
import pg from 'pg';
import type { FakeChannel } from '../../bots/botframework/fake-channel.js';
import { ANSWERED_BY_HEADER, BACKEND_HEADER } from './cluster.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** POSTs JSON until a 2xx (bounded): each try's status, the last one the acknowledgement. */
async function postUntilAcknowledged(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  deadlineMs = 30_000,
): Promise<number[]> {
  const statuses: number[] = [];
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    const status = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status;
      },
      () => 0,
    );
    statuses.push(status);
    if (status >= 200 && status < 300) return statuses;
    if (status >= 400 && status < 500) throw new Error(`POST ${url} refused with ${status}: ${JSON.stringify(body)}`);
    if (Date.now() > deadline) throw new Error(`POST ${url} not acknowledged within ${deadlineMs} ms: ${statuses}`);
    await sleep(Math.min(1_000, 50 * 2 ** attempt));
  }
}

let nextUpdateId = 1_000_000;

/** A Telegram customer whose updates are pushed to the desk's webhook (through the proxy). */
export class WebhookCustomer {
  private messageId = 0;
  /** What the customer wrote, once the desk acknowledged it, in that order. */
  readonly acknowledged: string[] = [];
  /** Non-2xx answers before an acknowledgement (redeliveries). */
  retries = 0;

  constructor(
    private readonly proxyUrl: string,
    private readonly secret: string,
    readonly chatId: number,
    readonly firstName: string,
  ) {}

  /** Posts one message as Telegram would; resolves once the desk acknowledged it. `backend` pins one process. */
  async say(text: string, backend?: string): Promise<void> {
    this.messageId += 1;
    const update = {
      update_id: nextUpdateId++,
      message: {
        message_id: this.messageId,
        date: Math.floor(Date.now() / 1000),
        from: { id: this.chatId, is_bot: false, first_name: this.firstName },
        chat: { id: this.chatId, type: 'private', first_name: this.firstName },
        text,
      },
    };
    const statuses = await postUntilAcknowledged(`${this.proxyUrl}/telegram/webhook`, update, {
      'x-telegram-bot-api-secret-token': this.secret,
      ...(backend ? { [BACKEND_HEADER]: backend } : {}),
    });
    this.retries += statuses.length - 1;
    this.acknowledged.push(text);
  }
}

let nextActivity = 1;

/** A Bot Framework customer (Web Chat on a fake channel) posting to /api/messages through the proxy. */
export class BotFrameworkCustomer {
  readonly acknowledged: string[] = [];
  retries = 0;

  constructor(
    private readonly proxyUrl: string,
    private readonly channel: FakeChannel,
    readonly conversationId: string,
    readonly userId: string,
    readonly name: string,
  ) {}

  async say(text: string, backend?: string): Promise<void> {
    const activity = {
      type: 'message',
      id: `act-${process.pid}-${nextActivity++}`,
      channelId: 'webchat',
      serviceUrl: this.channel.serviceUrl,
      timestamp: new Date().toISOString(),
      from: { id: this.userId, name: this.name },
      recipient: { id: 'bot', name: 'caredesk' },
      conversation: { id: this.conversationId },
      text,
    };
    const statuses = await postUntilAcknowledged(
      `${this.proxyUrl}/api/messages`,
      activity,
      backend ? { [BACKEND_HEADER]: backend } : {},
    );
    this.retries += statuses.length - 1;
    this.acknowledged.push(text);
  }

  /** The replies the fake channel received for this conversation, in order. */
  replies(): string[] {
    return botFrameworkReplies(this.channel, this.conversationId);
  }

  /** The same, with when each arrived. */
  deliveries(): Array<{ text: string; at: number }> {
    return botFrameworkDeliveries(this.channel, this.conversationId);
  }
}

/** Message replies the fake channel got for one conversation, in the order they arrived. */
export function botFrameworkReplies(channel: FakeChannel, conversationId: string): string[] {
  return botFrameworkDeliveries(channel, conversationId).map((d) => d.text);
}

/** The same, with when each arrived. */
export function botFrameworkDeliveries(
  channel: FakeChannel,
  conversationId: string,
): Array<{ text: string; at: number }> {
  const marker = `/v3/conversations/${encodeURIComponent(conversationId)}/activities`;
  return channel.received
    .filter((r) => r.path.includes(marker) && r.activity.type === 'message')
    .map((r) => ({ text: r.activity.text ?? '', at: r.at ?? 0 }));
}

/** One frame of the admin event stream. */
export interface StreamEvent {
  readonly seq: number;
  readonly type: string;
  /** The process that served the connection it came on. */
  readonly via: string | undefined;
  readonly at: number;
}

/**
 * GET /admin/v1/events through the proxy; when the connection ends (the
 * process died) it connects again, through the proxy, with Last-Event-ID.
 */
export class EventStreamClient {
  readonly events: StreamEvent[] = [];
  /** `viewer.changed` frames (not stored, no id): who views or types in a conversation. */
  readonly viewerChanges: Array<{ conversationId: string; viewers: unknown[]; via: string | undefined; at: number }> =
    [];
  /** Each connection: the process that answered it, when, and the Last-Event-ID it sent. */
  readonly connections: Array<{
    via: string | undefined;
    at: number;
    lastEventId: number | undefined;
    status: number;
  }> = [];
  private stopped = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly proxyUrl: string,
    private readonly token: string,
    /** Pins the first connection to one process (the one a test will kill). */
    private readonly firstBackend?: string,
  ) {}

  get lastSeq(): number | undefined {
    return this.events.at(-1)?.seq;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let first = true;
    while (!this.stopped) {
      const lastEventId = this.lastSeq;
      this.abort = new AbortController();
      const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
      if (first && this.firstBackend) headers[BACKEND_HEADER] = this.firstBackend;
      first = false;
      try {
        const res = await fetch(`${this.proxyUrl}/admin/v1/events`, { headers, signal: this.abort.signal });
        const via = res.headers.get(ANSWERED_BY_HEADER) ?? undefined;
        this.connections.push({ via, at: Date.now(), lastEventId, status: res.status });
        if (res.ok && res.body) await this.read(res.body, via);
        else await res.arrayBuffer().catch(() => undefined);
      } catch {
        // The connection broke: reconnect below.
      }
      if (!this.stopped) await sleep(200);
    }
  }

  private async read(body: ReadableStream<Uint8Array>, via: string | undefined): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(frame)?.[1];
        const type = /^event: (.+)$/m.exec(frame)?.[1];
        if (id !== undefined && type !== undefined) {
          this.events.push({ seq: Number(id), type, via, at: Date.now() });
        } else if (type === 'viewer.changed') {
          const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? '{}') as { conversationId: string; viewers: [] };
          this.viewerChanges.push({ ...data, via, at: Date.now() });
        }
      }
    }
  }
}

/** A read-only look at the desk's tables (a client per call; bounded). */
export async function queryDatabase<T extends pg.QueryResultRow>(
  databaseUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl, statement_timeout: 10_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export interface CustomerRecord {
  /** What the customer wrote, in the order stored (all their conversations, oldest first). */
  readonly wrote: string[];
  /** The replies queued for them in the outbox, in the order stored, with their status. */
  readonly replies: Array<{ text: string; status: string }>;
  readonly conversations: Array<{ id: string; mode: string; assignee: string | null }>;
}

/** What the desk stored for one channel identity (`telegram` + chat id, `botframework` + user id…). */
export async function storedFor(databaseUrl: string, channel: string, externalId: string): Promise<CustomerRecord> {
  const client = new pg.Client({ connectionString: databaseUrl, statement_timeout: 10_000 });
  await client.connect();
  try {
    const customer = await client.query<{ customer_id: string }>(
      'SELECT customer_id FROM customer_identities WHERE channel = $1 AND external_id = $2',
      [channel, externalId],
    );
    const customerId = customer.rows[0]?.customer_id;
    if (!customerId) return { wrote: [], replies: [], conversations: [] };
    const conversations = await client.query<{ id: string; mode: string; assignee: string | null }>(
      'SELECT id, mode, assignee FROM conversations WHERE customer_id = $1 ORDER BY created_at, id',
      [customerId],
    );
    const ids = conversations.rows.map((c) => c.id);
    const wrote = await client.query<{ text: string }>(
      `SELECT doc->>'text' AS text FROM messages
        WHERE conversation_id = ANY($1) AND author = 'customer'
        ORDER BY array_position($1, conversation_id), pos`,
      [ids],
    );
    const replies = await client.query<{ text: string; status: string }>(
      `SELECT o.doc->>'text' AS text, o.status FROM outbox o
        LEFT JOIN messages m ON m.id = o.doc->>'messageId'
        WHERE o.conversation_id = ANY($1)
        ORDER BY array_position($1, o.conversation_id), m.pos, o.created_at, o.id`,
      [ids],
    );
    return { wrote: wrote.rows.map((r) => r.text), replies: replies.rows, conversations: conversations.rows };
  } finally {
    await client.end();
  }
}
