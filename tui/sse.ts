/**
 * A small Server-Sent Events reader over Node's fetch: the parser of the
 * HTML spec's event-stream format, and a connection that comes back by
 * itself. On a drop it waits (exponential backoff with jitter, or the
 * server's `retry:`), reconnects with `Last-Event-ID` so the server replays
 * what was missed, and reports each state so the TUI can say "reconnecting".
 * A refused token stops it: retrying would not help.
 */
import { backoffDelay } from '../core/util/backoff.js';

export interface SseMessage {
  /** The last event id seen so far (an event without `id:` keeps the previous one). */
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** Incremental: feed it text as it arrives, get the complete messages back. */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #event = '';
  #sawData = false;
  #started = false;
  /** The last chunk ended with CR: a LF starting the next one belongs to it. */
  #skipLf = false;
  lastEventId: string | undefined;
  /** The server's `retry:` advice, in ms. */
  retryMs: number | undefined;

  constructor(lastEventId?: string) {
    this.lastEventId = lastEventId;
  }

  feed(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.#skipLf && text.charCodeAt(0) === 10) text = text.slice(1);
    this.#skipLf = false;
    text = this.#buffer + text;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      this.#line(text.slice(start, i), out);
      if (ch === 13) {
        if (i === text.length - 1) this.#skipLf = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.#buffer = text.slice(start);
    return out;
  }

  #line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.#sawData) {
        out.push({ id: this.lastEventId, event: this.#event || 'message', data: this.#data.join('\n') });
      }
      this.#data = [];
      this.#event = '';
      this.#sawData = false;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.#data.push(value);
      this.#sawData = true;
    } else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'closed';

export interface SseOptions {
  readonly url: string;
  readonly token: string;
  readonly lastEventId?: string;
  readonly fetch?: typeof fetch;
  readonly onMessage: (message: SseMessage) => void;
  readonly onState?: (state: StreamState, detail?: string) => void;
  /** First wait after a drop (default 250 ms), doubled per failed attempt up to `maxDelayMs` (default 10 s). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Reconnect when nothing (not even a comment) arrived for this long; 0 (default) never. */
  readonly idleTimeoutMs?: number;
}

export interface EventStream {
  readonly lastEventId: string | undefined;
  close(): void;
}

export function openSse(options: SseOptions): EventStream {
  const doFetch = options.fetch ?? fetch;
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 10_000;
  let lastEventId = options.lastEventId;
  let retryMs: number | undefined;
  let closed = false;
  let attempt = 0;
  let controller: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;

  const setState = (state: StreamState, detail?: string): void => {
    if (!closed || state === 'closed') options.onState?.(state, detail);
  };

  const scheduleReconnect = (reason: string): void => {
    if (closed) return;
    attempt++;
    // The server's `retry:` wins; either way spread ±25 % so that many terminals do not reconnect together.
    const spread = [0.75, 1.25] as const;
    const delay =
      retryMs === undefined
        ? backoffDelay({ firstMs: initial, maxMs: max, spread }, attempt)
        : backoffDelay({ firstMs: Math.min(max, retryMs), maxMs: max, spread }, 1);
    setState('reconnecting', `${reason}; retrying in ${(delay / 1000).toFixed(1)} s`);
    timer = setTimeout(connect, delay);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    controller = new AbortController();
    const abort = controller;
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      if (!options.idleTimeoutMs) return;
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(new Error('no data from the server')), options.idleTimeoutMs);
    };
    // Armed before the answer too: a server that never answers is as dead as one gone quiet.
    armIdle();
    try {
      const res = await doFetch(options.url, {
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'text/event-stream',
          'cache-control': 'no-cache',
          ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        },
        signal: abort.signal,
      });
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel().catch(() => undefined);
        closed = true;
        options.onState?.('unauthorized', `the server refused the token (HTTP ${res.status})`);
        return;
      }
      if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
        await res.body?.cancel().catch(() => undefined);
        scheduleReconnect(`the event stream answered HTTP ${res.status}`);
        return;
      }
      setState('live');
      const parser = new SseParser(lastEventId);
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        armIdle();
        const messages = parser.feed(decoder.decode(chunk, { stream: true }));
        retryMs = parser.retryMs ?? retryMs;
        for (const m of messages) {
          if (closed) return;
          lastEventId = m.id;
          attempt = 0;
          options.onMessage(m);
        }
        lastEventId = parser.lastEventId;
      }
      scheduleReconnect('the server closed the event stream');
    } catch (err) {
      if (closed) return;
      const reason = abort.signal.aborted
        ? String((abort.signal.reason as Error)?.message ?? 'aborted')
        : describe(err);
      scheduleReconnect(`connection lost (${reason})`);
    } finally {
      clearTimeout(idle);
    }
  }

  setState('connecting');
  void connect();
  return {
    get lastEventId() {
      return lastEventId;
    },
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      controller?.abort();
      setState('closed');
    },
  };
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err instanceof Error ? err.message : String(err));
}
