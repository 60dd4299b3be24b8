/**
 * A caredesk server in this process with the care flow and the Web Chat
 * channel on (a memory store), and a Direct Line client that speaks to it
 * over real HTTP and WebSockets as botframework-directlinejs does.
 */
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig, type ServerHandle, startServer } from '../../../server/index.js';
import { until } from '../telegram/helpers.js';

export const SECRET = 'test-webchat-secret-0123456789abcdef';
export const SHOP = 'https://shop.example.com';

export async function webchatServer(env: Record<string, string> = {}): Promise<ServerHandle> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    CAREDESK_STORE: 'memory',
    // Each test is its own visitor address (X-Forwarded-For), so the per-address limit is per test.
    TRUST_PROXY: '127.0.0.1',
    WEBCHAT_SECRET: SECRET,
    WEBCHAT_ALLOWED_ORIGINS: SHOP,
    ...env,
  });
  return startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely here
  readonly body: any;
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${base}/directline${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export interface Activity {
  readonly type: string;
  readonly id: string;
  readonly from: { readonly id: string; readonly role: string };
  readonly text?: string;
  readonly channelData?: { readonly clientActivityID?: string };
  readonly suggestedActions?: {
    readonly actions: ReadonlyArray<{ type: string; title: string; value: string; displayText?: string }>;
  };
}

/** A WebSocket on a conversation's streamUrl, collecting every activity it is sent. */
export class Stream {
  readonly activities: Activity[] = [];
  readonly frames: Array<{ activities: Activity[]; watermark: string }> = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = String(data);
      if (!text) return;
      const frame = JSON.parse(text) as { activities: Activity[]; watermark: string };
      this.frames.push(frame);
      this.activities.push(...frame.activities);
    });
  }

  static open(url: string): Promise<Stream> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new Stream(socket)));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** The first activity after the first `skip` that matches. */
  next(match: (a: Activity) => boolean, skip = 0): Promise<Activity> {
    return until(() => this.activities.slice(skip).find(match));
  }

  close(): void {
    this.socket.close();
  }
}

/** A visitor from `address` with a token and a started conversation, as Web Chat starts one. */
export async function startVisitor(base: string, address: string, body: unknown = {}) {
  const headers = { 'x-forwarded-for': address };
  const generated = await call(base, 'POST', '/tokens/generate', { body, headers });
  if (generated.status !== 200)
    throw new Error(`tokens/generate: ${generated.status} ${JSON.stringify(generated.body)}`);
  const started = await call(base, 'POST', '/conversations', { token: generated.body.token, headers });
  if (started.status !== 201) throw new Error(`conversations: ${started.status} ${JSON.stringify(started.body)}`);
  const conversationId: string = started.body.conversationId;
  const token: string = generated.body.token;
  let sent = 0;
  return {
    conversationId,
    token,
    streamUrl: started.body.streamUrl as string,
    headers,
    /** Posts a message as Web Chat does (its own clientActivityID); returns the answer. */
    say: (text: string, extra: Record<string, unknown> = {}) =>
      call(base, 'POST', `/conversations/${conversationId}/activities`, {
        token,
        headers,
        body: {
          type: 'message',
          text,
          from: { id: 'r_webchat', role: 'user' },
          channelData: { clientActivityID: `c${++sent}-${Date.now()}` },
          ...extra,
        },
      }),
  };
}
