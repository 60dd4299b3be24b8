import { describe, expect, it } from 'vitest';
import {
  authenticate,
  createAgent,
  hashToken,
  listAgents,
  listAgentsWithLoad,
  removeAgent,
  rotateToken,
  updateAgent,
  writePresence,
} from '../../../core/agents/index.js';
import { ManualClock } from '../../../core/clock.js';
import { CaredeskError } from '../../../core/errors.js';
import { EventBus } from '../../../core/event-bus.js';
import { MemoryStore } from '../../../core/store/memory-store.js';

async function deps() {
  const store = new MemoryStore();
  await store.open();
  return { store, bus: new EventBus(), clock: new ManualClock() };
}

describe('agents', () => {
  it('a new agent gets a token once; the store keeps only its sha256 and the token authenticates', async () => {
    const d = await deps();
    const { agent, token } = await createAgent(d, {
      name: 'Ann',
      role: 'supervisor',
      skills: ['billing'],
      languages: ['en', 'it'],
      capacity: 3,
    });
    expect(agent).toMatchObject({
      name: 'Ann',
      role: 'supervisor',
      skills: ['billing'],
      languages: ['en', 'it'],
      capacity: 3,
      presence: 'offline',
    });
    expect('tokenHash' in agent).toBe(false);
    const stored = (await d.store.getAgent(agent.id))!;
    expect(stored.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect((await authenticate(d.store, token)).id).toBe(agent.id);
    const listed = await listAgents(d.store);
    expect(listed.map((a) => a.id)).toEqual([agent.id]);
    expect(JSON.stringify(listed)).not.toContain(stored.tokenHash);
  });

  it('a wrong, missing or rotated-away token is refused with E_UNAUTHORIZED', async () => {
    const d = await deps();
    const { agent, token } = await createAgent(d, { name: 'Ann' });
    for (const bad of [undefined, '', 'cdk_wrong', `${token}x`]) {
      await expect(authenticate(d.store, bad)).rejects.toMatchObject({ code: 'E_UNAUTHORIZED' });
    }
    const { token: fresh } = await rotateToken(d, agent.id);
    await expect(authenticate(d.store, token)).rejects.toMatchObject({ code: 'E_UNAUTHORIZED' });
    expect((await authenticate(d.store, fresh)).id).toBe(agent.id);
  });

  it('a removed agent can no longer log in, and unknown agents are E_NOT_FOUND', async () => {
    const d = await deps();
    const { agent, token } = await createAgent(d, { name: 'Ann' });
    await removeAgent(d, agent.id);
    await expect(authenticate(d.store, token)).rejects.toMatchObject({ code: 'E_UNAUTHORIZED' });
    await expect(removeAgent(d, agent.id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(rotateToken(d, 'agt_x')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('bad agent input is refused with a clear message', async () => {
    const d = await deps();
    const err = await createAgent(d, { name: '', capacity: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaredeskError);
    expect((err as CaredeskError).code).toBe('E_INVALID_INPUT');
    expect((err as Error).message).toMatch(/name/);
  });

  it('skills, languages, capacity and presence can change, each with an audit event', async () => {
    const d = await deps();
    const { agent } = await createAgent(d, { name: 'Ann' });
    const types: string[] = [];
    d.bus.subscribe((e) => types.push(e.type));
    await updateAgent(d, agent.id, { skills: ['tech'], languages: ['it'], capacity: 2 }, 'agt_boss');
    await writePresence(d, agent.id, 'online');
    const [withLoad] = await listAgentsWithLoad(d.store);
    expect(withLoad).toMatchObject({
      skills: ['tech'],
      languages: ['it'],
      capacity: 2,
      presence: 'online',
      load: 0,
      freeCapacity: 2,
    });
    expect(types).toEqual(['agent.updated', 'agent.presence_changed']);
    const events = await d.store.listEvents(0, 10);
    expect(events.find((e) => e.type === 'agent.updated')?.agentId).toBe('agt_boss');
  });
});
