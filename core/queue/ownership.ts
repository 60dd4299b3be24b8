/**
 * The ownership machine applied to a stored conversation: a refused event
 * becomes the typed error the agent sees (E_CLAIM_CONFLICT, E_INVALID_STATE).
 */
import type { Conversation, Mode } from '../domain.js';
import { ClaimConflictError, InvalidStateError } from '../errors.js';
import { decideOwnership, type OwnershipEvent, ownershipSnapshot } from './ownership-machine.js';

export interface Ownership {
  readonly mode: Mode;
  readonly assignee: string | undefined;
  readonly lastAssignee: string | undefined;
}

const WHAT: Partial<Record<OwnershipEvent['type'], string>> = {
  CLAIM: 'claimed',
  TAKEOVER: 'taken over',
  RESOLVE: 'resolved',
  RELEASE: 'handed back to the bot',
  TRANSFER_TO_AGENT: 'transferred',
  TRANSFER_TO_SKILL: 'transferred',
  HANDOFF: 'handed off to the queue',
  AGENT_REPLIED: 'answered',
  ASSIGN: 'assigned',
  REASSIGN: 'put back in the queue',
};

/** The mode and assignee after `event`, or the error that says why the event does not apply. */
export function applyOwnership(c: Conversation, event: OwnershipEvent): Ownership {
  const decision = decideOwnership(
    ownershipSnapshot(c.mode, { assignee: c.assignee, lastAssignee: c.lastAssignee }),
    event,
  );
  if (decision.accepted) {
    return { mode: decision.mode, assignee: decision.context.assignee, lastAssignee: decision.context.lastAssignee };
  }
  if ((event.type === 'CLAIM' || event.type === 'ASSIGN') && c.mode === 'agent') {
    throw new ClaimConflictError(c.id, c.assignee);
  }
  const what = WHAT[event.type] ?? event.type;
  const hint =
    c.mode === 'resolved'
      ? 'it is already resolved'
      : c.mode === 'bot'
        ? 'the bot is handling it (take it over first)'
        : c.mode === 'queued'
          ? 'it is waiting in the queue (claim it first)'
          : 'an agent owns it';
  throw new InvalidStateError(`Conversation ${c.id} cannot be ${what} now: ${hint}.`, {
    conversationId: c.id,
    mode: c.mode,
    event: event.type,
  });
}
