/**
 * Raises `sla.warning` (at 80% of a target) and `sla.breached` (past it),
 * and warns before a channel's reply window closes. Deadlines live on the
 * conversations, and raised alerts are recorded there too, so the watcher
 * keeps no state of its own: after a restart, `tick(now)` raises exactly
 * what fell due while caredesk was down, once.
 */
import type { Conversation, NewEvent } from '../domain.js';
import { caseEvent, changeConversation, type QueueContext } from '../queue/context.js';
import { dueAlerts, nextAlertAt } from './timers.js';

export class SlaWatcher {
  constructor(private readonly ctx: QueueContext) {}

  /** Raises every alert due at `now`; returns the events committed. */
  async tick(now: Date): Promise<NewEvent[]> {
    const raised: NewEvent[] = [];
    const open = await this.ctx.desk.store.listConversations({ modes: ['queued', 'agent'] });
    for (const c of open) {
      if (dueAlerts(c, now).length === 0) continue;
      await changeConversation(this.ctx, c.id, (cur) => {
        const alerts = dueAlerts(cur, now);
        if (alerts.length === 0) return { conversation: cur, events: [] };
        const events = alerts.map((a) =>
          caseEvent(a.type, cur, now, cur.assignee, {
            target: a.target,
            dueAt: a.dueAt,
            channel: cur.channel,
            priority: cur.priority,
            mode: cur.mode,
          }),
        );
        raised.push(...events);
        const next: Conversation = {
          ...cur,
          sla: {
            ...cur.sla,
            alerted: keep(
              cur,
              alerts.map((a) => a.key),
            ),
          },
        };
        return { conversation: next, events };
      });
    }
    return raised;
  }

  /** The earliest instant some alert falls due (to arm one timer rather than poll). */
  async nextDueAt(): Promise<Date | undefined> {
    let next: string | undefined;
    for (const c of await this.ctx.desk.store.listConversations({ modes: ['queued', 'agent'] })) {
      const at = nextAlertAt(c);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next ? new Date(next) : undefined;
  }
}

/** Alert keys still meaning something (their deadline is current), plus the new ones. */
function keep(c: Conversation, added: string[]): string[] {
  const current = new Set(
    [c.sla.firstResponseDueAt, c.sla.nextResponseDueAt, c.sla.resolutionDueAt, c.sla.replyWindowClosesAt].filter(
      (d): d is string => d !== undefined,
    ),
  );
  const old = (c.sla.alerted ?? []).filter((k) => current.has(k.slice(k.indexOf('@') + 1)));
  return [...old, ...added].slice(-64);
}
