/**
 * The one module that talks to the server: the admin API under /admin/v1.
 * Server data is outside input, so every answer is parsed with zod here and
 * the rest of the TUI trusts the inferred types. Components never fetch:
 * they get an `AdminClient` (this one, or a fake in tests).
 */
import { z } from 'zod';
import {
  AgentAnswerSchema,
  type AgentChange,
  AgentsAnswerSchema,
  AgentTokenAnswerSchema,
  type AgentView,
  type AttachmentUploadSchema,
  CannedListAnswerSchema,
  type CannedResponse,
  type ChannelSchema,
  ConversationAnswerSchema,
  ConversationDetailSchema,
  type ConversationRowSchema,
  type ConversationSchema,
  ConversationsAnswerSchema,
  type CustomerSchema,
  DomainEventSchema,
  describeIssues,
  ErrorAnswerSchema,
  KpiAnswerSchema,
  type Kpis,
  MeAnswerSchema,
  MessageAnswerSchema,
  type MessageSchema,
  type NewAgentBodySchema,
  type Presence,
  PresenceAnswerSchema,
  PresenceSchema,
  type TransferTarget,
  type Undelivered,
  type Viewer,
  ViewerChangeSchema,
  ViewersAnswerSchema,
} from '../core/index.js';
import { jsonOrUndefined } from '../core/util/lenient-json.js';
import { type EventStream, openSse, type StreamState } from './sse.js';

// The shapes are the admin API's contract (core/contract); these names are the TUI's for them.
export type { AgentChange, AgentView, Kpis, Presence, TransferTarget, Undelivered, Viewer };
export type NewAgent = z.input<typeof NewAgentBodySchema>;
/** An agent and their token, which no answer but this one carries. */
export type AgentWithToken = z.infer<typeof AgentTokenAnswerSchema>;
export { ConversationDetailSchema, PresenceSchema };
export type Activity = Viewer['activity'] | 'left';
/** A file to send: name, media type and bytes in base64 (the admin API's shape). */
export type FileUpload = z.input<typeof AttachmentUploadSchema>;
/** A file of a message, as the server streamed it. */
export interface AttachmentFile {
  readonly bytes: Buffer;
  readonly contentType: string;
  /** The file name the server gave (Content-Disposition), if any. */
  readonly name: string | undefined;
}
export type ConversationRow = z.infer<typeof ConversationRowSchema>;
export type Conversation = z.infer<typeof ConversationSchema>;
export type Message = z.infer<typeof MessageSchema>;
export type Customer = z.infer<typeof CustomerSchema>;
export type Channel = z.infer<typeof ChannelSchema>;
export type ConversationDetail = z.infer<typeof ConversationDetailSchema>;
export type Canned = CannedResponse;
export type KpiResponse = z.infer<typeof KpiAnswerSchema>;
export type DomainEvent = z.infer<typeof DomainEventSchema>;

/** What the live stream carries: domain events (numbered), and who is looking at which conversation (not numbered). */
export type LiveEvent =
  | { readonly kind: 'domain'; readonly event: DomainEvent }
  | { readonly kind: 'viewers'; readonly conversationId: string; readonly viewers: readonly Viewer[] };

export interface EventStreamHandlers {
  readonly onEvent: (event: LiveEvent) => void;
  readonly onState?: (state: StreamState, detail?: string) => void;
}
export type { EventStream, StreamState };

/** One SSE message as a LiveEvent; undefined for what this TUI does not understand (a newer server's extras). */
export function toLiveEvent(type: string, data: string): LiveEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (type === 'viewer.changed') {
    const r = ViewerChangeSchema.safeParse(json);
    return r.success ? { kind: 'viewers', conversationId: r.data.conversationId, viewers: r.data.viewers } : undefined;
  }
  const r = DomainEventSchema.safeParse(json);
  return r.success ? { kind: 'domain', event: r.data } : undefined;
}

export type Mode = Conversation['mode'];
export interface ConversationQuery {
  readonly mode?: readonly Mode[];
  readonly channel?: string;
  readonly skill?: string;
  readonly language?: string;
  readonly breached?: boolean;
  readonly assignee?: string;
  readonly q?: string;
  readonly limit?: number;
}

/** What supervisors do to the team (the server refuses anyone else with E_FORBIDDEN). */
export interface TeamClient {
  addAgent(input: NewAgent): Promise<AgentWithToken>;
  updateAgent(id: string, change: AgentChange): Promise<AgentView>;
  /** The agent as they were. */
  removeAgent(id: string): Promise<AgentView>;
  /** The old token stops working at once. */
  rotateToken(id: string): Promise<AgentWithToken>;
  setAgentPresence(id: string, presence: Presence): Promise<AgentView>;
}

/** Everything the TUI asks of the server. `HttpAdminClient` is the real one; tests pass a fake. */
export interface AdminClient {
  /** Base URL, for the status bar. */
  readonly server: string;
  me(): Promise<AgentView>;
  setPresence(presence: Presence): Promise<Presence>;
  agents(): Promise<AgentView[]>;
  conversations(query: ConversationQuery): Promise<ConversationRow[]>;
  conversation(id: string): Promise<ConversationDetail>;
  claim(id: string): Promise<Conversation>;
  takeover(id: string): Promise<Conversation>;
  release(id: string): Promise<Conversation>;
  resolve(id: string): Promise<Conversation>;
  send(id: string, text: string, internal: boolean): Promise<{ message: Message; conversation: Conversation }>;
  /** Sends a failed reply (see `undelivered`) once more. */
  resend(id: string, messageId: string): Promise<Conversation>;
  /** A reply (or note) with a file, `text` its caption; a client without it (a test's fake) cannot attach. */
  sendFile?(
    id: string,
    text: string,
    file: FileUpload,
    internal?: boolean,
  ): Promise<{ message: Message; conversation: Conversation }>;
  /** The `index`th file of a message, fetched by the server from the channel; a client without it cannot open files. */
  attachment?(id: string, messageId: string, index: number): Promise<AttachmentFile>;
  transfer(id: string, target: TransferTarget): Promise<Conversation>;
  setActivity(id: string, activity: Activity): Promise<Viewer[]>;
  canned(): Promise<Canned[]>;
  kpis(options: { since: string; by: 'channel' | 'agent' }): Promise<KpiResponse>;
  /** The live event stream, reconnecting by itself until closed. */
  events(handlers: EventStreamHandlers, lastEventId?: string): EventStream;
  /** Managing the team; a client without it (a test's fake) leaves the agents screen read-only. */
  readonly team?: TeamClient;
}

/**
 * A request that did not give the TUI what it asked for. `code` is the
 * server's (E_UNAUTHORIZED, E_CLAIM_CONFLICT…) or ours: E_UNREACHABLE when no
 * answer came, E_BAD_RESPONSE when the answer was not what the API promises.
 */
export class AdminApiError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  constructor(code: string, message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AdminApiError';
    this.code = code;
    this.status = status;
  }
}

/** How a failed request reads in the status line: the server's words, with its code. */
export function describeError(err: unknown): string {
  if (err instanceof AdminApiError) return `${err.message} [${err.code}]`;
  return err instanceof Error ? err.message : String(err);
}

function parse<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw new AdminApiError(
      'E_BAD_RESPONSE',
      `The server's answer to ${what} is not what this caredesk tui expects (${describeIssues(r.error.issues)}); are the server and the TUI the same version?`,
    );
  }
  return r.data;
}

/** Rows in slices, yielding between them, so that 10,000 conversations do not freeze the keyboard. */
async function parseRows<T>(schema: z.ZodType<T>, rows: readonly unknown[], what: string): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const row of rows.slice(i, i + 500)) out.push(parse(schema, row, what));
  }
  return out;
}

/** Files take longer than the other requests: up to the server's size limit, fetched from a channel first. */
const FILE_TIMEOUT_MS = 120_000;

/** The file name of a Content-Disposition header: `filename*` (UTF-8) first, then `filename`. */
export function fileNameOf(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // A broken escape: fall back to the plain name.
    }
  }
  return /filename="([^"]*)"/i.exec(header)?.[1];
}

export interface HttpClientOptions {
  readonly server: string;
  readonly token: string;
  /** Per request (default 10 s); the event stream has none. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export class HttpAdminClient implements AdminClient {
  readonly server: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: HttpClientOptions) {
    this.server = options.server.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
  }

  async #request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    timeoutMs = this.#timeoutMs,
  ): Promise<unknown> {
    const url = `${this.server}/admin/v1${path}`;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw unreachable(this.server, err);
    }
    const text = await res.text().catch(() => '');
    const json = jsonOrUndefined(text);
    if (!res.ok) {
      const e = ErrorAnswerSchema.safeParse(json);
      if (e.success) throw new AdminApiError(e.data.error.code, e.data.error.message, res.status);
      if (res.status === 401) throw unauthorized(this.server, res.status);
      throw new AdminApiError(
        res.status === 404 ? 'E_NOT_FOUND' : 'E_BAD_RESPONSE',
        `${method} ${path} answered HTTP ${res.status}${res.status === 404 ? ': is this a caredesk server with the admin API?' : ''}`,
        res.status,
      );
    }
    if (json === undefined) throw new AdminApiError('E_BAD_RESPONSE', `${method} ${path} answered no JSON`, res.status);
    return json;
  }

  async me(): Promise<AgentView> {
    return parse(MeAnswerSchema, await this.#request('GET', '/me'), 'GET /me').agent;
  }

  async setPresence(presence: Presence): Promise<Presence> {
    const raw = await this.#request('PUT', '/me/presence', { presence });
    // The server answers with the agent as it is now; an older one answered with the presence alone.
    const answer = parse(z.union([MeAnswerSchema, PresenceAnswerSchema]), raw, 'PUT /me/presence');
    return 'agent' in answer ? answer.agent.presence : answer.presence;
  }

  async agents(): Promise<AgentView[]> {
    return parse(AgentsAnswerSchema, await this.#request('GET', '/agents'), 'GET /agents').agents;
  }

  async conversations(query: ConversationQuery): Promise<ConversationRow[]> {
    const params = new URLSearchParams();
    if (query.mode?.length) params.set('mode', query.mode.join(','));
    for (const key of ['channel', 'skill', 'language', 'assignee', 'q'] as const) {
      const v = query[key];
      if (v !== undefined && v !== '') params.set(key, v);
    }
    if (query.breached !== undefined) params.set('breached', String(query.breached));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const raw = await this.#request('GET', `/conversations?${params}`);
    // The envelope first, then the rows in slices (see parseRows).
    const envelope = parse(
      ConversationsAnswerSchema.extend({ conversations: z.array(z.unknown()) }),
      raw,
      'GET /conversations',
    );
    return parseRows(
      ConversationsAnswerSchema.shape.conversations.element,
      envelope.conversations,
      'GET /conversations',
    );
  }

  async conversation(id: string): Promise<ConversationDetail> {
    const path = `/conversations/${encodeURIComponent(id)}`;
    return parse(ConversationDetailSchema, await this.#request('GET', path), `GET ${path}`);
  }

  #action(id: string, action: string, body: unknown = {}): Promise<Conversation> {
    return this.#postForConversation(`/conversations/${encodeURIComponent(id)}/${action}`, body);
  }

  async #postForConversation(path: string, body: unknown): Promise<Conversation> {
    return parse(ConversationAnswerSchema, await this.#request('POST', path, body), `POST ${path}`).conversation;
  }

  claim(id: string): Promise<Conversation> {
    return this.#action(id, 'claim');
  }
  takeover(id: string): Promise<Conversation> {
    return this.#action(id, 'takeover');
  }
  release(id: string): Promise<Conversation> {
    return this.#action(id, 'release');
  }
  resolve(id: string): Promise<Conversation> {
    return this.#action(id, 'resolve');
  }
  transfer(id: string, target: TransferTarget): Promise<Conversation> {
    return this.#action(id, 'transfer', target);
  }
  resend(id: string, messageId: string): Promise<Conversation> {
    const path = `/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}/resend`;
    return this.#postForConversation(path, undefined);
  }

  async send(id: string, text: string, internal: boolean): Promise<{ message: Message; conversation: Conversation }> {
    const path = `/conversations/${encodeURIComponent(id)}/messages`;
    const raw = await this.#request('POST', path, { text, internal });
    return parse(MessageAnswerSchema, raw, `POST ${path}`);
  }

  async sendFile(
    id: string,
    text: string,
    file: FileUpload,
    internal = false,
  ): Promise<{ message: Message; conversation: Conversation }> {
    const path = `/conversations/${encodeURIComponent(id)}/messages`;
    const raw = await this.#request('POST', path, { text, internal, attachments: [file] }, FILE_TIMEOUT_MS);
    return parse(MessageAnswerSchema, raw, `POST ${path}`);
  }

  async attachment(id: string, messageId: string, index: number): Promise<AttachmentFile> {
    const path = `/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}/attachments/${index}`;
    let res: Response;
    let bytes: Buffer;
    try {
      res = await this.#fetch(`${this.server}/admin/v1${path}`, {
        headers: { authorization: `Bearer ${this.#token}` },
        signal: AbortSignal.timeout(FILE_TIMEOUT_MS),
      });
      bytes = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw unreachable(this.server, err);
    }
    if (!res.ok) {
      let json: unknown;
      try {
        json = JSON.parse(bytes.toString('utf8'));
      } catch {
        json = undefined;
      }
      const e = ErrorAnswerSchema.safeParse(json);
      if (e.success) throw new AdminApiError(e.data.error.code, e.data.error.message, res.status);
      if (res.status === 401) throw unauthorized(this.server, res.status);
      throw new AdminApiError('E_BAD_RESPONSE', `GET ${path} answered HTTP ${res.status}`, res.status);
    }
    return {
      bytes,
      contentType: res.headers.get('content-type') ?? 'application/octet-stream',
      name: fileNameOf(res.headers.get('content-disposition')),
    };
  }

  async setActivity(id: string, activity: Activity): Promise<Viewer[]> {
    const path = `/conversations/${encodeURIComponent(id)}/viewers`;
    const raw = await this.#request('POST', path, { activity });
    return parse(ViewersAnswerSchema, raw, `POST ${path}`).viewers;
  }

  async canned(): Promise<Canned[]> {
    return parse(CannedListAnswerSchema, await this.#request('GET', '/canned'), 'GET /canned').canned;
  }

  async kpis(options: { since: string; by: 'channel' | 'agent' }): Promise<KpiResponse> {
    const path = `/kpis?since=${encodeURIComponent(options.since)}&by=${options.by}`;
    return parse(KpiAnswerSchema, await this.#request('GET', path), `GET ${path}`);
  }

  readonly team: TeamClient = {
    addAgent: async (input) =>
      parse(AgentTokenAnswerSchema, await this.#request('POST', '/agents', input), 'POST /agents'),
    updateAgent: (id, change) => this.#agent('PUT', id, '', change),
    removeAgent: (id) => this.#agent('DELETE', id, ''),
    rotateToken: async (id) => {
      const path = `/agents/${encodeURIComponent(id)}/rotate-token`;
      return parse(AgentTokenAnswerSchema, await this.#request('POST', path), `POST ${path}`);
    },
    setAgentPresence: (id, presence) => this.#agent('PUT', id, '/presence', { presence }),
  };

  async #agent(method: 'PUT' | 'DELETE', id: string, tail: string, body?: unknown): Promise<AgentView> {
    const path = `/agents/${encodeURIComponent(id)}${tail}`;
    return parse(AgentAnswerSchema, await this.#request(method, path, body), `${method} ${path}`).agent;
  }

  events(handlers: EventStreamHandlers, lastEventId?: string): EventStream {
    return openSse({
      url: `${this.server}/admin/v1/events`,
      token: this.#token,
      lastEventId,
      fetch: this.#fetch,
      // The server sends a comment every 15 s: three missed mean the connection is dead, even if TCP has not noticed.
      idleTimeoutMs: 45_000,
      onState: handlers.onState,
      onMessage: (m) => {
        const event = toLiveEvent(m.event, m.data);
        if (event) handlers.onEvent(event);
      },
    });
  }
}

export function unauthorized(server: string, status = 401): AdminApiError {
  return new AdminApiError(
    'E_UNAUTHORIZED',
    `${server} refused the token. Check --token (or CAREDESK_TOKEN, or the config file); an administrator can issue a new one.`,
    status,
  );
}

export function unreachable(server: string, err: unknown): AdminApiError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const reason =
    (err as Error).name === 'TimeoutError'
      ? 'no answer in time'
      : (cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)));
  return new AdminApiError(
    'E_UNREACHABLE',
    `Cannot reach caredesk at ${server} (${reason}). Is \`caredesk serve\` running there? Check --server (or CAREDESK_SERVER).`,
    undefined,
    { cause: err },
  );
}
