/**
 * Presence follows the agent's terminal: through the real server, an agent
 * whose live event stream (what the TUI holds open) is gone for
 * `desk.presence.awayAfterDisconnect` (here 400 ms) becomes away and gets no
 * new case; the stream back makes them online again, unless they had set
 * themselves away.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdminTestServer, SseClient, startAdminServer } from './admin/helpers.js';

const AWAY_AFTER_MS = 400;

let server: AdminTestServer | undefined;
let streams: SseClient[] = [];
let dir: string | undefined;

afterEach(async () => {
  for (const s of streams) s.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = dir = undefined;
  streams = [];
});

async function desk(): Promise<AdminTestServer> {
  dir = mkdtempSync(join(tmpdir(), 'caredesk-presence-'));
  const configFile = join(dir, 'caredesk.json');
  const config = {
    desk: {
      presence: { awayAfterDisconnect: AWAY_AFTER_MS },
      routing: { teams: [{ name: 'care', autoAssign: true }] },
    },
  };
  writeFileSync(configFile, JSON.stringify(config));
  server = await startAdminServer({ CAREDESK_CONFIG: configFile });
  return server;
}

async function connect(s: AdminTestServer, token: string): Promise<SseClient> {
  const stream = await SseClient.open(`${s.url}/admin/v1/events`, token);
  streams.push(stream);
  expect(stream.status).toBe(200);
  return stream;
}

/** Polls the stored agent until `presence` (bounded). */
async function presenceBecomes(s: AdminTestServer, agentId: string, presence: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await s.handle.desk.store.getAgent(agentId))?.presence === presence) return;
    if (Date.now() > deadline) throw new Error(`agent ${agentId} did not become ${presence}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function presenceChanges(s: AdminTestServer, agentId: string) {
  return (await s.handle.desk.store.listEvents(0, 1_000))
    .filter((e) => e.type === 'agent.presence_changed' && e.data.subjectId === agentId)
    .map((e) => `${String(e.data.from)}→${String(e.data.to)}${e.data.cause ? ` (${String(e.data.cause)})` : ''}`);
}

describe('presence follows the agent’s terminal', () => {
  it('an agent whose TUI disconnects becomes away after the set time and gets no new case; reconnecting makes them online and the case theirs', async () => {
    const s = await desk();
    const ann = await s.agent({ name: 'Ann' });
    const tui = await connect(s, ann.token);
    tui.close();
    await tui.ended;
    // Not at once: a dropped connection that comes back within the time changes nothing.
    expect((await s.handle.desk.store.getAgent(ann.id))?.presence).toBe('online');
    await presenceBecomes(s, ann.id, 'away');
    expect(await presenceChanges(s, ann.id)).toEqual(['offline→online', 'online→away (disconnected)']);

    const id = await s.queued('presence-1');
    expect(await s.handle.desk.store.getConversation(id)).toMatchObject({ mode: 'queued', assignee: undefined });
    const team = await s.call('GET', '/admin/v1/agents', { token: ann.token });
    expect(team.body.agents.find((a: { id: string }) => a.id === ann.id)).toMatchObject({ presence: 'away' });

    await connect(s, ann.token);
    await presenceBecomes(s, ann.id, 'online');
    expect((await presenceChanges(s, ann.id)).at(-1)).toBe('away→online (reconnected)');
    await s.handle.desk.idle();
    expect(await s.handle.desk.store.getConversation(id)).toMatchObject({ mode: 'agent', assignee: ann.id });
  });

  it('an agent who set themselves away stays away when their TUI comes back', async () => {
    const s = await desk();
    const bob = await s.agent({ name: 'Bob' });
    const tui = await connect(s, bob.token);
    const away = await s.call('PUT', '/admin/v1/me/presence', { token: bob.token, body: { presence: 'away' } });
    expect(away.status).toBe(200);
    tui.close();
    await tui.ended;
    // The stream is registered before its first byte reaches the client; what it set off is tracked by the desk.
    await connect(s, bob.token);
    await s.handle.desk.idle();
    expect((await s.handle.desk.store.getAgent(bob.id))?.presence).toBe('away');
    expect(await presenceChanges(s, bob.id)).toEqual(['offline→online', 'online→away']);
  });
});
