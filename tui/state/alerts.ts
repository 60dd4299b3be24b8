/**
 * Which events interrupt a supervisor, and how they read in the status bar.
 * Every value from an event is server data: it is sanitised here.
 */
import type { DomainEvent } from '../client.js';
import { sanitizeLine } from '../sanitize.js';

export type AlertKind = 'handoff' | 'warning' | 'breach' | 'escalation' | 'spike' | 'whisper' | 'failed';

/** How each kind shows in the status line: what needs acting on now in red. */
export const ALERT_COLOR: Readonly<Record<AlertKind, 'red' | 'yellow'>> = {
  handoff: 'yellow',
  warning: 'yellow',
  breach: 'red',
  escalation: 'yellow',
  spike: 'yellow',
  whisper: 'yellow',
  failed: 'red',
};

export interface Alert {
  readonly kind: AlertKind;
  readonly text: string;
  readonly conversationId?: string;
}

const TARGETS: Readonly<Record<string, string>> = {
  firstResponse: 'first response',
  nextResponse: 'next response',
  resolution: 'resolution',
  replyWindow: 'reply window',
};

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? sanitizeLine(String(v)) : '');
const short = (id: string | undefined): string => (id ? sanitizeLine(id).slice(-8) : '?');

/**
 * `nameOf` gives the customer's name (sanitised) for a conversation the board knows: the
 * supervisor finds "giulia" on the board, not the end of an id that no screen but one shows.
 */
export function alertFor(e: DomainEvent, nameOf?: (conversationId: string) => string | undefined): Alert | undefined {
  const d = e.data;
  const conversationId = e.conversationId;
  const named = conversationId ? nameOf?.(conversationId) : undefined;
  const which = named ? sanitizeLine(named) : short(conversationId);
  switch (e.type) {
    case 'handoff.requested': {
      const what = [str(d.channel), str(d.topic) || str(d.reason), str(d.language)].filter(Boolean).join(' · ');
      const prio = str(d.priority);
      return {
        kind: 'handoff',
        conversationId,
        text: `New handoff ${which}${what ? `: ${what}` : ''}${prio && prio !== 'normal' ? ` (${prio})` : ''}`,
      };
    }
    case 'sla.warning':
      return {
        kind: 'warning',
        conversationId,
        text: `SLA warning on ${which}: ${TARGETS[str(d.target)] ?? (str(d.target) || 'target')} due soon`,
      };
    case 'sla.breached':
      return {
        kind: 'breach',
        conversationId,
        text: `SLA breached on ${which}: ${TARGETS[str(d.target)] ?? (str(d.target) || 'target')}`,
      };
    case 'message.failed': {
      // The desk gave up on a reply (a blocked bot, a dead channel): the customer is waiting for an answer they never got.
      const why = str(d.error);
      return {
        kind: 'failed',
        conversationId,
        text: `Reply to ${which} not delivered: ${why || 'no reason given'}${d.unreachable === true ? ' (unreachable)' : ''}`,
      };
    }
    case 'conversation.escalated':
      return {
        kind: 'escalation',
        conversationId,
        text: `Escalated ${which}: priority ${str(d.from) || '?'} → ${str(d.to) || '?'}`,
      };
    case 'volume.spike': {
      const scope = [str(d.scope), str(d.value)].filter(Boolean).join(' ');
      const baseline = typeof d.baseline === 'number' ? d.baseline.toFixed(1) : str(d.baseline);
      return {
        kind: 'spike',
        text: `Volume spike${scope ? ` (${scope})` : ''}: ${str(d.current)} new conversations vs ${baseline} usual`,
      };
    }
    default:
      return undefined;
  }
}
