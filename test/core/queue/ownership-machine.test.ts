import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths, getSimplePaths } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  botMaySpeak,
  decideOwnership,
  type OwnershipEvent,
  ownershipMachine,
  ownershipSnapshot,
} from '../../../core/queue/ownership-machine.js';

const EVENTS: OwnershipEvent[] = [
  { type: 'HANDOFF' },
  { type: 'CLAIM', agentId: 'a1' },
  { type: 'ASSIGN', agentId: 'a2' },
  { type: 'TAKEOVER', agentId: 'sup' },
  { type: 'TRANSFER_TO_AGENT', agentId: 'a2' },
  { type: 'TRANSFER_TO_SKILL', skill: 'billing' },
  { type: 'REASSIGN' },
  { type: 'ESCALATE' },
  { type: 'RELEASE' },
  { type: 'HANDBACK_DONE' },
  { type: 'RESOLVE' },
  { type: 'REOPEN', withinWindow: true, lastAssigneeOnline: true },
  { type: 'REOPEN', withinWindow: true, lastAssigneeOnline: false },
  { type: 'REOPEN', withinWindow: false, lastAssigneeOnline: true },
  { type: 'CUSTOMER_WROTE' },
  { type: 'BOT_TURN_STARTED' },
  { type: 'BOT_TURN_ENDED' },
  { type: 'BOT_REPLIED' },
  { type: 'AGENT_REPLIED', agentId: 'a1' },
];

const stateKey = (value: unknown): string => JSON.stringify(value);

describe('ownership machine', () => {
  it('every state of the ownership lifecycle is reachable from a new conversation', () => {
    const paths = getShortestPaths(ownershipMachine, {
      events: EVENTS,
      serializeState: (s) => stateKey(s.value) + JSON.stringify(s.context),
    });
    const reached = new Set(paths.map((p) => stateKey(p.state.value)));
    for (const value of [{ bot: 'idle' }, { bot: 'turn' }, { bot: 'handingBack' }, 'queued', 'agent', 'resolved']) {
      expect(reached).toContain(stateKey(value));
    }
  });

  it('on every path, the bot never speaks while the queue or a human owns the conversation', () => {
    const paths = getSimplePaths(ownershipMachine, {
      events: EVENTS,
      serializeState: (s) => stateKey(s.value),
    });
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) {
      const actor = createActor(ownershipMachine, { input: {} }).start();
      for (const step of path.steps) {
        actor.send(step.event);
        const snap = actor.getSnapshot();
        const human = snap.matches('queued') || snap.matches('agent') || snap.matches('resolved');
        if (human) expect(snap.can({ type: 'BOT_REPLIED' })).toBe(false);
        if (snap.matches('agent')) expect(snap.context.assignee).toBeDefined();
        if (!snap.matches('agent')) expect(snap.context.assignee).toBeUndefined();
      }
      actor.stop();
    }
  });

  it('the full life: bot → queued → agent → handed back to the bot → resolved', () => {
    let s = ownershipSnapshot('bot');
    for (const event of [
      { type: 'HANDOFF' },
      { type: 'CLAIM', agentId: 'a1' },
      { type: 'AGENT_REPLIED', agentId: 'a1' },
      { type: 'RELEASE' },
      { type: 'HANDBACK_DONE' },
      { type: 'CUSTOMER_WROTE' },
      { type: 'BOT_REPLIED' },
      { type: 'RESOLVE' },
    ] as OwnershipEvent[]) {
      const d = decideOwnership(s, event);
      expect(d.accepted, event.type).toBe(true);
      if (d.accepted) s = d.snapshot;
    }
    expect(s.value).toBe('resolved');
    expect(s.context.lastAssignee).toBe('a1');
  });

  it('of two claims on one queued conversation, only the first is accepted', () => {
    const queued = ownershipSnapshot('queued');
    const first = decideOwnership(queued, { type: 'CLAIM', agentId: 'a1' });
    expect(first.accepted).toBe(true);
    if (!first.accepted) return;
    const second = decideOwnership(first.snapshot, { type: 'CLAIM', agentId: 'a2' });
    expect(second.accepted).toBe(false);
    expect(first.context.assignee).toBe('a1');
  });

  it('a resolve during a bot turn wins, and what the turn still wants to say is refused', () => {
    const turn = decideOwnership(ownershipSnapshot('bot'), { type: 'CUSTOMER_WROTE' });
    expect(turn.accepted && turn.snapshot.can({ type: 'BOT_REPLIED' })).toBe(true);
    if (!turn.accepted) return;
    const resolved = decideOwnership(turn.snapshot, { type: 'RESOLVE' });
    expect(resolved.mode).toBe('resolved');
    if (!resolved.accepted) return;
    expect(decideOwnership(resolved.snapshot, { type: 'BOT_REPLIED' }).accepted).toBe(false);
    expect(decideOwnership(resolved.snapshot, { type: 'RESOLVE' }).accepted).toBe(false);
  });

  it('a customer writing while the agent hands back waits until the flow has the handback', () => {
    const handingBack = ownershipSnapshot('bot', {}, { handingBack: true });
    expect(handingBack.can({ type: 'CUSTOMER_WROTE' })).toBe(false);
    const done = decideOwnership(handingBack, { type: 'HANDBACK_DONE' });
    expect(done.accepted && done.snapshot.can({ type: 'CUSTOMER_WROTE' })).toBe(true);
  });

  it('only the assigned agent may reply; a transfer must go to someone else', () => {
    const owned = ownershipSnapshot('agent', { assignee: 'a1' });
    expect(decideOwnership(owned, { type: 'AGENT_REPLIED', agentId: 'a1' }).accepted).toBe(true);
    expect(decideOwnership(owned, { type: 'AGENT_REPLIED', agentId: 'a2' }).accepted).toBe(false);
    expect(decideOwnership(owned, { type: 'TRANSFER_TO_AGENT', agentId: 'a1' }).accepted).toBe(false);
    const moved = decideOwnership(owned, { type: 'TRANSFER_TO_AGENT', agentId: 'a2' });
    expect(moved.accepted && moved.context.assignee).toBe('a2');
  });

  it('a reopen goes back to the same agent when online, to the queue otherwise, and not at all past the window', () => {
    const resolved = ownershipSnapshot('resolved', { lastAssignee: 'a1' });
    const same = decideOwnership(resolved, { type: 'REOPEN', withinWindow: true, lastAssigneeOnline: true });
    expect(same.mode).toBe('agent');
    expect(same.accepted && same.context.assignee).toBe('a1');
    expect(decideOwnership(resolved, { type: 'REOPEN', withinWindow: true, lastAssigneeOnline: false }).mode).toBe(
      'queued',
    );
    expect(decideOwnership(resolved, { type: 'REOPEN', withinWindow: false, lastAssigneeOnline: true }).accepted).toBe(
      false,
    );
    const botOnly = ownershipSnapshot('resolved');
    expect(decideOwnership(botOnly, { type: 'REOPEN', withinWindow: true, lastAssigneeOnline: true }).mode).toBe('bot');
  });

  it('the bot may speak only in bot mode', () => {
    expect(botMaySpeak('bot')).toBe(true);
    expect(botMaySpeak('queued')).toBe(false);
    expect(botMaySpeak('agent')).toBe(false);
    expect(botMaySpeak('resolved')).toBe(false);
  });

  it('every transition the machine defines is taken on some path from a new conversation', () => {
    const defined = new Set<string>();
    const visit = (node: (typeof ownershipMachine)['root']): void => {
      for (const [eventType, transitions] of node.transitions) {
        if (transitions.length > 0) defined.add(`${node.id}|${eventType}`);
      }
      for (const child of Object.values(node.states)) visit(child);
    };
    visit(ownershipMachine.root);
    const taken = new Set<string>();
    // Every reachable state (value and owner) with every event it accepts, self-transitions included.
    const edges = adjacencyMapToArray(
      getAdjacencyMap(ownershipMachine, {
        events: EVENTS,
        serializeState: (s) => stateKey(s.value) + JSON.stringify(s.context),
      }),
    );
    for (const { state, event } of edges) {
      if (!state.can(event)) continue;
      // The deepest active node that handles the event owns the transition.
      const handler = [...state._nodes].reverse().find((n) => (n.transitions.get(event.type) ?? []).length > 0);
      if (handler) taken.add(`${handler.id}|${event.type}`);
    }
    expect(defined.size).toBeGreaterThan(20);
    expect([...defined].filter((t) => !taken.has(t))).toEqual([]);
  });
});
