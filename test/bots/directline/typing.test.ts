/**
 * An agent typing a reply to a Web Chat visitor, as the TUI reports it to the
 * admin API: the visitor's open Direct Line stream gets the bot's `typing`
 * activity, which is not kept in the transcript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../../server/index.js';
import { until } from '../telegram/helpers.js';
import { type Activity, call, Stream, startVisitor, webchatServer } from './helpers.js';

let server: ServerHandle;
const streams: Stream[] = [];

beforeAll(async () => {
  server = await webchatServer();
});
afterAll(async () => {
  for (const s of streams) s.close();
  await server?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely here
async function admin(token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const typingFromBot = (a: Activity) => a.type === 'typing' && a.from.role === 'bot';

describe('an agent typing to a Web Chat visitor', () => {
  it('the visitor sees the bot typing while the agent who has the case types, live only', async () => {
    const visitor = await startVisitor(server.url, '198.51.100.7');
    const stream = await Stream.open(visitor.streamUrl);
    streams.push(stream);
    await visitor.say('I would like to talk to a person please');
    await stream.next((a) => a.from.role === 'bot' && /passing you to a person/.test(a.text ?? ''));

    const ann = await server.human.createAgent({ name: 'Ann' });
    await admin(ann.token, 'PUT', '/me/presence', { presence: 'online' });
    const queued = await until(async () => {
      const { conversations } = await admin(ann.token, 'GET', '/conversations?mode=queued&channel=webchat');
      return conversations[0] as { id: string } | undefined;
    });
    await admin(ann.token, 'POST', `/conversations/${queued.id}/claim`);

    // What the TUI posts while Ann writes in the reply box.
    const seen = stream.activities.length;
    await admin(ann.token, 'POST', `/conversations/${queued.id}/viewers`, { activity: 'typing' });
    const typing = await stream.next(typingFromBot, seen);
    expect(typing).toMatchObject({ type: 'typing', from: { id: 'caredesk', role: 'bot' } });
    expect(stream.frames.find((f) => f.activities.includes(typing))?.watermark).toBeUndefined();

    await admin(ann.token, 'POST', `/conversations/${queued.id}/viewers`, { activity: 'viewing' });
    await admin(ann.token, 'POST', `/conversations/${queued.id}/messages`, { text: 'Hi, Ann here.' });
    await stream.next((a) => a.text === 'Hi, Ann here.', seen);

    // Typing is not part of the transcript: a reload (or a poll) does not replay it.
    const page = await call(server.url, 'GET', `/conversations/${visitor.conversationId}/activities?watermark=0`, {
      token: visitor.token,
    });
    expect(page.body.activities.some((a: Activity) => a.type === 'typing')).toBe(false);
    expect(page.body.activities.at(-1)).toMatchObject({ text: 'Hi, Ann here.' });
  });
});
