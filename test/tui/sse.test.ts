import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpAdminClient, type LiveEvent } from '../../tui/client.js';
import { type EventStream, openSse, type SseMessage, SseParser, type StreamState } from '../../tui/sse.js';

describe('SseParser', () => {
  it('reads id, event and data fields, joins data lines, skips comments and keeps the last id', () => {
    const p = new SseParser();
    const out = p.feed(
      ': hello\n\nretry: 2000\n\nid: 1\nevent: message.received\ndata: {"a":\ndata: 1}\n\nevent: viewer.changed\ndata: {}\n\n',
    );
    expect(out).toEqual([
      { id: '1', event: 'message.received', data: '{"a":\n1}' },
      { id: '1', event: 'viewer.changed', data: '{}' },
    ]);
    expect(p.retryMs).toBe(2000);
    expect(p.lastEventId).toBe('1');
  });

  it('takes chunks cut anywhere, CRLF and lone CR line ends, and a BOM', () => {
    const text = '\ufeffid: 7\r\nevent: a\r\ndata: x\r\n\r\nid:8\rdata:y\r\r';
    const whole = new SseParser().feed(text);
    expect(whole).toEqual([
      { id: '7', event: 'a', data: 'x' },
      { id: '8', event: 'message', data: 'y' },
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      expect([...p.feed(text.slice(0, cut)), ...p.feed(text.slice(cut))]).toEqual(whole);
    }
    const p = new SseParser();
    expect(Array.from(text).flatMap((ch) => p.feed(ch))).toEqual(whole);
  });

  it('dispatches nothing for an event without data', () => {
    expect(new SseParser().feed('event: ping\n\nid: 3\n\n')).toEqual([]);
  });
});

interface Connection {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

let server: Server | undefined;
let stream: EventStream | undefined;
afterEach(async () => {
  stream?.close();
  stream = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  }
});

/** A tiny event-stream server on 127.0.0.1; `onConnect` plays one connection. */
async function sseServer(
  onConnect: (c: Connection, n: number) => void,
): Promise<{ url: string; connections: Connection[] }> {
  const connections: Connection[] = [];
  server = createServer((req, res) => {
    connections.push({ req, res });
    onConnect({ req, res }, connections.length);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/admin/v1/events`, connections };
}

const sseHead = (res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  res.flushHeaders();
};

function record() {
  const messages: SseMessage[] = [];
  const states: StreamState[] = [];
  return {
    messages,
    states,
    onMessage: (m: SseMessage) => messages.push(m),
    onState: (s: StreamState) => {
      if (states[states.length - 1] !== s) states.push(s);
    },
  };
}

describe('event stream reader', () => {
  it('after a dropped connection says "reconnecting", comes back with Last-Event-ID and misses nothing', async () => {
    const { url, connections } = await sseServer(({ req, res }, n) => {
      sseHead(res);
      if (n === 1) {
        res.write('id: 1\nevent: message.received\ndata: {"n":1}\n\n');
        res.write('id: 2\nevent: message.received\ndata: {"n":2}\n\n');
        // A dropped connection: the socket dies mid-stream, no clean end.
        setTimeout(() => req.socket.destroy(), 20);
      } else if (n === 2) {
        res.write(`id: 3\nevent: sla.breached\ndata: {"n":3}\n\n`);
        res.end();
      } else {
        res.write(`id: 4\nevent: handoff.requested\ndata: {"n":4}\n\n`);
      }
    });
    const r = record();
    stream = openSse({ url, token: 'tok', initialDelayMs: 10, maxDelayMs: 50, ...r });
    await vi.waitFor(() => expect(r.messages.map((m) => m.id)).toEqual(['1', '2', '3', '4']), { timeout: 5000 });
    expect(connections.map((c) => c.req.headers['last-event-id'])).toEqual([undefined, '2', '3']);
    expect(connections.every((c) => c.req.headers.authorization === 'Bearer tok')).toBe(true);
    expect(r.states).toEqual(['connecting', 'live', 'reconnecting', 'live', 'reconnecting', 'live']);
    expect(stream.lastEventId).toBe('4');
    stream.close();
    expect(r.states[r.states.length - 1]).toBe('closed');
  });

  it('keeps retrying while the server is down or answers 503, then resumes', async () => {
    const { url, connections } = await sseServer(({ res }, n) => {
      if (n < 3) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"E_STORE_CLOSED","message":"closing"}}');
        return;
      }
      sseHead(res);
      res.write('id: 9\nevent: a\ndata: {}\n\n');
    });
    const r = record();
    stream = openSse({ url, token: 't', initialDelayMs: 5, maxDelayMs: 20, ...r });
    await vi.waitFor(() => expect(r.messages.map((m) => m.id)).toEqual(['9']), { timeout: 5000 });
    expect(connections).toHaveLength(3);
    expect(r.states).toEqual(['connecting', 'reconnecting', 'live']);
  });

  it('stops for good when the token is refused: retrying would not help', async () => {
    const { url, connections } = await sseServer(({ res }) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"E_UNAUTHORIZED","message":"no"}}');
    });
    const r = record();
    let fetches = 0;
    const counted: typeof fetch = (input, init) => {
      fetches++;
      return fetch(input, init);
    };
    // A retry would wait on setTimeout: with a fake one, a minute goes by at once and no retry can hide in it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      stream = openSse({ url, token: 'wrong', initialDelayMs: 5, fetch: counted, ...r });
      await vi.waitFor(() => expect(r.states).toContain('unauthorized'), { timeout: 5000 });
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fetches).toBe(1);
      expect(connections).toHaveLength(1);
      expect(r.states).toEqual(['connecting', 'unauthorized']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reconnects when nothing at all arrives for the idle timeout (a half-open connection)', async () => {
    const { url, connections } = await sseServer(({ res }, n) => {
      sseHead(res);
      if (n === 2) res.write('id: 5\nevent: a\ndata: {}\n\n');
    });
    const r = record();
    stream = openSse({ url, token: 't', initialDelayMs: 5, idleTimeoutMs: 100, ...r });
    await vi.waitFor(() => expect(r.messages.map((m) => m.id)).toEqual(['5']), { timeout: 5000 });
    expect(connections.length).toBeGreaterThanOrEqual(2);
  });

  it('through the client: domain events and viewer changes, a viewer change (no id) keeps the last id', async () => {
    const { url, connections } = await sseServer(({ req, res }, n) => {
      sseHead(res);
      if (n === 1) {
        res.write('retry: 10\n\n');
        const e = {
          seq: 41,
          type: 'handoff.requested',
          at: '2026-03-02T10:00:00.000Z',
          conversationId: 'c1',
          data: {},
        };
        res.write(`id: 41\nevent: handoff.requested\ndata: ${JSON.stringify(e)}\n\n`);
        res.write(
          'event: viewer.changed\ndata: {"conversationId":"c1","viewers":[{"agentId":"a","name":"Bo","activity":"typing","since":"2026-03-02T10:00:00.000Z"}]}\n\n',
        );
        res.write('id: 42\nevent: broken\ndata: not json\n\n');
        setTimeout(() => req.socket.destroy(), 20);
      }
    });
    const events: LiveEvent[] = [];
    const client = new HttpAdminClient({ server: url.replace('/admin/v1/events', ''), token: 't' });
    stream = client.events({ onEvent: (e) => events.push(e) });
    await vi.waitFor(() => expect(connections).toHaveLength(2), { timeout: 5000 });
    expect(connections[1]!.req.headers['last-event-id']).toBe('42');
    expect(events).toEqual([
      { kind: 'domain', event: expect.objectContaining({ seq: 41, type: 'handoff.requested', conversationId: 'c1' }) },
      {
        kind: 'viewers',
        conversationId: 'c1',
        viewers: [{ agentId: 'a', name: 'Bo', activity: 'typing', since: '2026-03-02T10:00:00.000Z' }],
      },
    ]);
  });
});
