/**
 * A real caredesk server on 127.0.0.1 (port 0) for admin API tests, with
 * helpers to act as a customer (through the Desk, as a channel would), as an
 * agent (over HTTP with a token) and to read the event stream.
 */
import { type ClientRequest, get, type IncomingMessage } from 'node:http';
import { pino } from 'pino';
import type { Agent, NewAgent } from '../../../core/index.js';
import { loadConfig, type ServerHandle, startServer } from '../../../server/index.js';

export interface TestAgent {
  readonly id: string;
  readonly token: string;
  readonly agent: Omit<Agent, 'tokenHash'>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
  readonly body: any;
}

export class AdminTestServer {
  private messages = 0;
  constructor(readonly handle: ServerHandle) {}

  get url(): string {
    return this.handle.url;
  }

  /** An agent, online, with a token. */
  async agent(input: NewAgent & { presence?: 'online' | 'away' | 'offline' }): Promise<TestAgent> {
    const { presence = 'online', ...rest } = input;
    const { agent, token } = await this.handle.human.createAgent(rest);
    if (presence !== 'offline') await this.handle.human.setPresence(agent.id, presence);
    return { id: agent.id, token, agent };
  }

  /** A customer message on a channel, as the channel adapter hands it in; waits for the flow. Returns the conversation id. */
  async say(user: string, text: string, extra: { displayName?: string; channel?: 'telegram' | 'devchat' } = {}) {
    const r = await this.handle.desk.receive({
      channel: extra.channel ?? 'telegram',
      externalUserId: user,
      channelMessageId: `m${++this.messages}`,
      text,
      displayName: extra.displayName,
    });
    await this.handle.desk.idle();
    if (r.status !== 'stored') throw new Error(`not stored: ${r.status}`);
    return r.conversation.id;
  }

  /** A customer asking for a person: the care flow queues the conversation. */
  async queued(user: string, text = 'I want to talk to a human please'): Promise<string> {
    const id = await this.say(user, text);
    const c = await this.handle.desk.store.getConversation(id);
    if (c?.mode !== 'queued') throw new Error(`expected queued, got ${c?.mode}`);
    return id;
  }

  async call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.body);
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export async function startAdminServer(env: Record<string, string> = {}): Promise<AdminTestServer> {
  const config = loadConfig({
    CAREDESK_STORE: 'memory',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const handle = await startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
  return new AdminTestServer(handle);
}

export interface SseFrame {
  readonly id?: string;
  readonly event: string;
  // biome-ignore lint/suspicious/noExplicitAny: event data is read loosely in tests
  readonly data: any;
}

/**
 * An event-stream reader on node:http with its own socket (no pool: fetch's
 * pool opens a spare connection when a stream is aborted, which holds a
 * closing server up for seconds). Every wait is bounded.
 */
export class SseClient {
  readonly frames: SseFrame[] = [];
  readonly comments: string[] = [];
  readonly ended: Promise<void>;
  private pending = '';

  private constructor(
    readonly response: IncomingMessage,
    private readonly request: ClientRequest,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.receive(chunk));
    this.ended = new Promise((resolve) => {
      response.on('close', resolve);
      response.on('error', () => resolve());
    });
  }

  static open(url: string, token: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = get(
        url,
        { agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers } },
        (response) => resolve(new SseClient(response, request)),
      );
      request.on('error', reject);
    });
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  /** Stored events only (frames with an id), in arrival order. */
  get events(): SseFrame[] {
    return this.frames.filter((f) => f.id !== undefined);
  }

  get seqs(): number[] {
    return this.events.map((f) => Number(f.id));
  }

  private receive(chunk: string): void {
    this.pending += chunk;
    let end = this.pending.indexOf('\n\n');
    while (end >= 0) {
      this.parse(this.pending.slice(0, end));
      this.pending = this.pending.slice(end + 2);
      end = this.pending.indexOf('\n\n');
    }
  }

  private parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) this.frames.push({ id, event, data: JSON.parse(data.join('\n')) });
  }

  async until<T>(probe: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline)
        throw new Error(
          `event stream: ${what} did not arrive; got ${JSON.stringify(this.frames.map((f) => `${f.id}:${f.event}`))}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.request.destroy();
  }
}
