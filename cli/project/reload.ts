/**
 * Swaps a changed flow into a running desk (`caredesk dev`). Each of the
 * flow's conversations goes on in the new version from its stored snapshot
 * when the state it is in still exists there; otherwise its snapshot is
 * dropped, and its next event starts the new version from the beginning.
 * Live actors of the old version are evicted either way.
 */
import { createActor } from 'xstate';
import { customerLock, type Desk, FlowEngine, type PersistedFlow } from '../../core/index.js';
import type { Flow } from '../../flows/kit/define.js';
import type { FlowRegistry } from '../../flows/registry.js';

export interface Restarted {
  readonly conversationId: string;
  /** The state it was in, as stored. */
  readonly state: string;
  readonly reason: string;
}

export interface ReloadOutcome {
  readonly flow: string;
  /** Conversations that go on in the new version where they were. */
  readonly continued: readonly string[];
  readonly restarted: readonly Restarted[];
}

export async function swapFlow(desk: Desk, registry: FlowRegistry, flow: Flow): Promise<ReloadOutcome> {
  registry.register(flow);
  const continued: string[] = [];
  const restarted: Restarted[] = [];
  const mine = (await desk.store.listConversations()).filter((c) => c.flow === flow.name);
  for (const conversation of mine) {
    await desk.locks.run(customerLock(conversation.customerId), async () => {
      if (desk.engine instanceof FlowEngine) desk.engine.evict(conversation.id);
      const stored = (await desk.store.getFlowSnapshot(conversation.id)) as PersistedFlow | null | undefined;
      // No snapshot: the flow finished (or never ran); nothing to carry over.
      if (!stored?.xstate) return;
      const input = { conversationId: conversation.id, channel: conversation.channel, language: conversation.language };
      const reason = misfit(flow, stored.xstate, input);
      if (reason === undefined) {
        continued.push(conversation.id);
        return;
      }
      await desk.store.commit({ flowSnapshots: [{ conversationId: conversation.id, snapshot: null }] });
      restarted.push({ conversationId: conversation.id, state: conversation.flowState ?? '?', reason });
    });
  }
  return { flow: flow.name, continued, restarted };
}

/** Why the snapshot does not restore in the flow's machine (undefined: it does). */
function misfit(flow: Flow, snapshot: unknown, input: unknown): string | undefined {
  try {
    const actor = createActor(flow.machine, { snapshot: snapshot as never, input });
    actor.subscribe({ error: () => undefined });
    actor.start();
    const after = actor.getSnapshot();
    actor.stop();
    return after.status === 'error' ? messageOf(after.error) : undefined;
  } catch (err) {
    return messageOf(err);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The lines `caredesk dev` prints for an outcome. */
export function describeReload(outcome: ReloadOutcome, file: string): string[] {
  const lines = [
    `reloaded flow "${outcome.flow}" from ${file}: ${outcome.continued.length} conversation(s) go on where they were, ${outcome.restarted.length} restarted`,
  ];
  for (const r of outcome.restarted) {
    lines.push(
      `  ${r.conversationId} restarts from the beginning: it was in "${r.state}", which the new version cannot restore (${r.reason}). Keep the state, or add a migrate to defineFlow (docs/flows.md).`,
    );
  }
  return lines;
}
