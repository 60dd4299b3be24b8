/**
 * A Telegram Bot API as a bad day makes it, in front of the emulator
 * (telegram-test-api): it keeps updates until the bot confirms them with a
 * later offset, as Telegram does (the emulator forgets what it handed out),
 * and injects faults into sends: flood control (429 with retry_after), an
 * outage (502), and sends held longer than the bot waits. It records every
 * send it passed on, so a test can check each reply arrived once and in order.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedSend {
  readonly chatId: string;
  readonly text: string;
  /** When the emulator took it (ms since the epoch). */
  readonly at: number;
  /** When the bot's request reached the proxy (ms since the epoch): when the bot sent it. */
  readonly requestedAt?: number;
  /** The process that sent it, when it came through `apiRootFor(name)`. */
  readonly by?: string;
}

/** One getUpdates call, from its arrival to its answer (or its caller going away). */
export interface ProxiedPoll {
  /** The process that polled, when it came through `apiRootFor(name)`. */
  readonly by: string | undefined;
  readonly start: number;
  end: number | undefined;
}

interface Update {
  readonly update_id: number;
}

export class TelegramFaultProxy {
  /** Sends passed on to the emulator, in the order they reached it. */
  readonly delivered: ProxiedSend[] = [];

  /** The texts passed on to one chat, in order. */
  deliveredTo(chatId: number | string): string[] {
    return this.delivered.filter((d) => d.chatId === String(chatId)).map((d) => d.text);
  }
  /** Until then (ms since the epoch) sendMessage answers 429, retry after `floodRetryAfter` s. */
  floodUntil = 0;
  floodRetryAfter = 1;
  /** The next this many sendMessage calls answer 429 (as floodUntil), whenever they come. */
  floodNext = 0;
  /** The 429s answered: when, and to which process. */
  readonly floods: Array<{ readonly at: number; readonly by?: string }> = [];
  /** Until then every call answers 502. */
  outageUntil = 0;
  /** Every `holdEvery`-th send (0: none) is held `holdMs` before it is passed on, if the bot still waits. */
  holdEvery = 0;
  holdMs = 0;
  private sends = 0;
  /** Every getUpdates call, in the order they arrived: which process long-polls, and when. */
  readonly polls: ProxiedPoll[] = [];
  /** Counts of what the proxy answered, by kind. */
  readonly counts = { flood: 0, outage: 0, held: 0, abandoned: 0 };
  private readonly buffer: Update[] = [];
  private server: Server | undefined;

  constructor(private readonly upstream: string) {}

  get apiRoot(): string {
    if (!this.server) throw new Error('the proxy is not started');
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /**
   * The API root for one process of several: the same Bot API, with calls
   * tagged by `name` (in `delivered[].by` and `polls[].by`), so that a test
   * can tell which process polled and which sent.
   */
  apiRootFor(name: string): string {
    return `${this.apiRoot}/p/${encodeURIComponent(name)}/`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(502).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestedAt = Date.now();
    const body = await readBody(req);
    const tagged = /^\/p\/([^/]+)(\/.*)$/.exec(req.url ?? '');
    const by = tagged ? decodeURIComponent(tagged[1] as string) : undefined;
    const path = tagged ? (tagged[2] as string) : (req.url ?? '');
    const method = path.split('/').pop()?.split('?')[0] ?? '';
    if (Date.now() < this.outageUntil) {
      this.counts.outage += 1;
      return json(res, 502, { ok: false, error_code: 502, description: 'Bad Gateway' });
    }
    if (method === 'getUpdates') {
      const poll: ProxiedPoll = { by, start: Date.now(), end: undefined };
      this.polls.push(poll);
      const ended = (): void => {
        poll.end ??= Date.now();
      };
      res.once('close', ended);
      return this.getUpdates(path, body, res).finally(ended);
    }
    if (method === 'sendMessage') {
      if (Date.now() < this.floodUntil || this.floodNext > 0) {
        this.floodNext = Math.max(0, this.floodNext - 1);
        this.counts.flood += 1;
        this.floods.push({ at: Date.now(), by });
        return json(res, 429, {
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${this.floodRetryAfter}`,
          parameters: { retry_after: this.floodRetryAfter },
        });
      }
      this.sends += 1;
      if (this.holdEvery > 0 && this.sends % this.holdEvery === 1) {
        this.counts.held += 1;
        const gone = await heldWhileOpen(req, this.holdMs);
        // The bot gave up on this request (aborted it): it is never passed on, as a cancelled send.
        if (gone) {
          this.counts.abandoned += 1;
          return;
        }
      }
    }
    const answer = await this.forward(req, path, body);
    if (method === 'sendMessage' && answer.status === 200) {
      const payload = JSON.parse(body.toString('utf8') || '{}') as { chat_id?: unknown; text?: unknown };
      this.delivered.push({
        chatId: String(payload.chat_id),
        text: String(payload.text),
        at: Date.now(),
        requestedAt,
        by,
      });
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  }

  /** Telegram's own semantics: updates stay until a later offset confirms them. */
  private async getUpdates(path: string, body: Buffer, res: ServerResponse): Promise<void> {
    const params = JSON.parse(body.toString('utf8') || '{}') as { offset?: number; limit?: number };
    const offset = params.offset ?? 0;
    while (this.buffer.length > 0 && (this.buffer[0] as Update).update_id < offset) this.buffer.shift();
    const fresh = await this.forward({ method: 'POST', headers: {} }, path, Buffer.from('{}'));
    const parsed = JSON.parse(fresh.body) as { ok: boolean; result?: Update[] };
    for (const u of parsed.result ?? []) {
      if (!this.buffer.some((b) => b.update_id === u.update_id)) this.buffer.push(u);
    }
    const result = this.buffer.filter((u) => u.update_id >= offset).slice(0, params.limit ?? 100);
    // An empty answer after a short wait, as a long poll that found nothing (no busy loop for the bot).
    if (result.length === 0) await new Promise((r) => setTimeout(r, 100));
    json(res, 200, { ok: true, result });
  }

  private async forward(
    req: Pick<IncomingMessage, 'method' | 'headers'>,
    path: string,
    body: Buffer,
  ): Promise<{ status: number; body: string }> {
    const res = await fetch(`${this.upstream}${path}`, {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      body: req.method === 'GET' ? undefined : new Uint8Array(body),
    });
    return { status: res.status, body: await res.text() };
  }
}

/** A request's whole body. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** Waits `ms`; resolves true early if the client closed the connection (it aborted the request). */
function heldWhileOpen(req: IncomingMessage, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      req.socket.off('close', onClose);
      resolve(false);
    }, ms);
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    req.socket.once('close', onClose);
  });
}
