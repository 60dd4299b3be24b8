import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Desk, HumanDesk, MemoryStore } from '../../../core/index.js';
import { createAdminPlugin } from '../../../server/admin/index.js';
import { buildServer, loadConfig } from '../../../server/index.js';
import { type AdminTestServer, SseClient, startAdminServer, type TestAgent } from './helpers.js';

let server: AdminTestServer;
let ann: TestAgent;
let sue: TestAgent;

beforeAll(async () => {
  server = await startAdminServer();
  ann = await server.agent({ name: 'Ann' });
  sue = await server.agent({ name: 'Sue', role: 'supervisor' });
});
afterAll(() => server.close());

const events = (headers: Record<string, string> = {}, query = '') =>
  SseClient.open(`${server.url}/admin/v1/events${query}`, ann.token, headers);
const lastSeq = () => server.handle.desk.store.lastEventSeq();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('admin API: the event stream', () => {
  it('streams new events live as id, event type and the event as data', async () => {
    const stream = await events();
    try {
      expect(stream.status).toBe(200);
      expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
      const id = await server.queued('live-1');
      await server.call('POST', `/admin/v1/conversations/${id}/claim`, { token: ann.token });
      const assigned = await stream.until(
        () => stream.events.find((f) => f.event === 'conversation.assigned' && f.data.conversationId === id),
        'conversation.assigned',
      );
      expect(assigned.data).toMatchObject({ type: 'conversation.assigned', agentId: ann.id, seq: Number(assigned.id) });
      // Nothing from before the connection: a stream without a position starts at the present.
      const opened = stream.events.find((f) => f.event === 'conversation.opened');
      expect(opened?.data.conversationId).toBe(id);
      expect(stream.seqs).toEqual(range(stream.seqs[0]!, stream.seqs.at(-1)!));
    } finally {
      stream.close();
    }
  });

  it('a client that reconnects with Last-Event-ID gets exactly the events it missed, then live ones', async () => {
    const first = await events();
    const id = await server.queued('resume-1');
    const seen = await lastSeq();
    await first.until(() => first.seqs.at(-1) === seen, 'the events so far');
    first.close();
    await first.ended;

    // While the client is away.
    await server.call('POST', `/admin/v1/conversations/${id}/claim`, { token: ann.token });
    await server.call('POST', `/admin/v1/conversations/${id}/messages`, { token: ann.token, body: { text: 'hi' } });
    const missedUpTo = await lastSeq();
    expect(missedUpTo).toBeGreaterThan(seen);

    const second = await events({ 'last-event-id': String(seen) });
    try {
      await second.until(() => second.seqs.at(-1) === missedUpTo, 'the missed events');
      expect(second.seqs).toEqual(range(seen + 1, missedUpTo));
      await server.call('POST', `/admin/v1/conversations/${id}/resolve`, { token: ann.token });
      const resolved = await second.until(
        () => second.events.find((f) => f.event === 'conversation.resolved'),
        'the live resolve',
      );
      expect(Number(resolved.id)).toBeGreaterThan(missedUpTo);
      expect(second.seqs).toEqual(range(seen + 1, second.seqs.at(-1)!));
    } finally {
      second.close();
    }
  });

  it('?after=0 replays the whole history in pages; events written meanwhile follow with no gap and no repeat', async () => {
    // Enough history for several store pages, and writes racing the switch from replay to live.
    const id = await server.queued('replay-1');
    await server.call('POST', `/admin/v1/conversations/${id}/claim`, { token: sue.token });
    for (let i = 0; i < 120; i++) await server.handle.human.note(id, sue.id, `history ${i}`);
    const notes = (n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          server.call('POST', `/admin/v1/conversations/${id}/messages`, {
            token: sue.token,
            body: { text: `racing ${i}`, internal: true },
          }),
        ),
      );
    const racing = notes(60);
    const stream = await events({}, '?after=0');
    try {
      await racing;
      await notes(20);
      const end = await lastSeq();
      await stream.until(() => stream.seqs.at(-1) === end, `every event up to ${end}`, 20_000);
      expect(stream.seqs).toEqual(range(1, end));
    } finally {
      stream.close();
    }
  });

  it('viewer changes come as viewer.changed frames without an id', async () => {
    const id = await server.queued('viewers-1');
    const stream = await events();
    try {
      const res = await server.call('POST', `/admin/v1/conversations/${id}/viewers`, {
        token: sue.token,
        body: { activity: 'typing' },
      });
      expect(res.body.viewers).toEqual([
        { agentId: sue.id, name: 'Sue', activity: 'typing', since: expect.any(String) },
      ]);
      const frame = await stream.until(() => stream.frames.find((f) => f.event === 'viewer.changed'), 'viewer.changed');
      expect(frame.id).toBeUndefined();
      expect(frame.data).toEqual({ conversationId: id, viewers: res.body.viewers });
    } finally {
      stream.close();
    }
  });

  it('a bad Last-Event-ID or after, or one beyond the last stored event, is a 400 with the JSON error body, not a stream', async () => {
    for (const [headers, query] of [
      [{ 'last-event-id': 'abc' }, ''],
      [{}, '?after=-1'],
      [{}, '?after=1.5'],
      [{}, '?since=3'],
      [{}, '?after=999999999'],
      [{ 'last-event-id': '999999999' }, '?after=0'],
    ] as const) {
      const res = await server.call('GET', `/admin/v1/events${query}`, { token: ann.token, headers });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('E_INVALID_INPUT');
    }
  });
});

describe('admin API: event stream lifecycle', () => {
  it('shutting the server down ends open streams instead of waiting for them', async () => {
    const own = await startAdminServer();
    const agent = await own.agent({ name: 'Ann' });
    const streams = await Promise.all([1, 2, 3].map(() => SseClient.open(`${own.url}/admin/v1/events`, agent.token)));
    await own.queued('shutdown-1');
    await Promise.all(streams.map((s) => s.until(() => s.events.length > 0, 'an event')));
    await own.close();
    await Promise.all(streams.map((s) => s.ended));
  });

  it('a quiet stream gets heartbeat comments; a client that goes away is forgotten; a rotated token ends the stream', async () => {
    const store = new MemoryStore();
    await store.open();
    const desk = new Desk({ store });
    const human = new HumanDesk(desk);
    const { agent, token } = await human.createAgent({ name: 'Ann' });
    const app = buildServer({
      config: loadConfig({ CAREDESK_STORE: 'memory', LOG_LEVEL: 'silent' }),
      desk,
      human,
      logger: pino({ level: 'silent' }),
      plugins: [createAdminPlugin({ events: { heartbeatMs: 20 } })],
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const listeners = () => (desk.bus as unknown as { handlers: Set<unknown> }).handlers.size;
    const subscribed = listeners();
    try {
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/admin/v1/events`;
      const leaving = await SseClient.open(url, token);
      await leaving.until(() => leaving.comments.filter((c) => c === 'ping').length >= 2, 'two heartbeats');
      expect(listeners()).toBe(subscribed + 1);
      leaving.close();
      await leaving.ended;
      const deadline = Date.now() + 5000;
      while (listeners() > subscribed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(listeners()).toBe(subscribed);

      const staying = await SseClient.open(url, token);
      await staying.until(() => staying.comments.includes('ping'), 'a heartbeat');
      await human.rotateToken(agent.id);
      await staying.ended;
      expect(listeners()).toBe(subscribed);
    } finally {
      await app.close();
    }
  });
});
