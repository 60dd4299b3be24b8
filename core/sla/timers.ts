/**
 * SLA timers as timestamps on the conversation (`conversation.sla`): every
 * deadline and its 80% mark is computed once, when the clock starts, and
 * stored with the conversation, so a restart loses nothing: a watcher reads
 * them back and raises what fell due meanwhile.
 */
import type { Conversation, SlaTimestamps } from '../domain.js';
import type { DeskConfig, SlaPolicy } from '../queue/config.js';
import { addBusinessTime } from './business-hours.js';

export type SlaTarget = 'firstResponse' | 'nextResponse' | 'resolution' | 'replyWindow';
export const SLA_TARGETS: readonly SlaTarget[] = ['firstResponse', 'nextResponse', 'resolution', 'replyWindow'];

/** The most specific policy: channel and priority, then channel, then priority, then the first catch-all. */
export function policyFor(conversation: Pick<Conversation, 'channel' | 'priority'>, config: DeskConfig): SlaPolicy {
  const { policies } = config.sla;
  const score = (p: SlaPolicy): number =>
    (p.channel === undefined || p.channel === conversation.channel) &&
    (p.priority === undefined || p.priority === conversation.priority)
      ? (p.channel ? 2 : 0) + (p.priority ? 1 : 0)
      : -1;
  let best = policies[0]!;
  let bestScore = -1;
  for (const p of policies) {
    const s = score(p);
    if (s > bestScore) [best, bestScore] = [p, s];
  }
  return best;
}

/**
 * The hours this conversation's clocks (and what the desk tells its customer about
 * being open) follow: the desk's business hours, unless its policy runs around the
 * clock (`businessHoursOnly: false`, e.g. a 24/7 channel).
 */
export function businessHoursFor(
  c: Pick<Conversation, 'channel' | 'priority'>,
  config: DeskConfig,
): DeskConfig['sla']['businessHours'] {
  return policyFor(c, config).businessHoursOnly ? config.sla.businessHours : undefined;
}

function due(start: Date, ms: number, policy: SlaPolicy, config: DeskConfig): { dueAt: string; warnAt: string } {
  const hours = policy.businessHoursOnly ? config.sla.businessHours : undefined;
  return {
    dueAt: addBusinessTime(start, ms, hours).toISOString(),
    warnAt: addBusinessTime(start, Math.round(ms * config.sla.warnAt), hours).toISOString(),
  };
}

/**
 * When the channel stops taking replies in this conversation (Messenger's 24 h…): its window
 * (`sla.replyWindows`) after the customer's last message, which is the conversation's
 * `lastMessageAt` (only a customer's message moves it) on its channel (the one they wrote on
 * last). Undefined when the channel has no window.
 */
export function replyWindowClosesAt(
  c: Pick<Conversation, 'channel' | 'lastMessageAt'>,
  config: DeskConfig,
): Date | undefined {
  const window = config.sla.replyWindows[c.channel];
  return window === undefined ? undefined : new Date(Date.parse(c.lastMessageAt) + window);
}

/** The reply-window deadline and its warning, from the customer's message at `from`. */
function replyWindow(
  c: Pick<Conversation, 'channel'>,
  config: DeskConfig,
  from: Date,
): Pick<SlaTimestamps, 'replyWindowClosesAt' | 'replyWindowWarnAt'> {
  const window = config.sla.replyWindows[c.channel];
  if (window === undefined) return {};
  return {
    replyWindowClosesAt: new Date(from.getTime() + window).toISOString(),
    replyWindowWarnAt: new Date(from.getTime() + Math.max(0, window - config.sla.replyWindowWarnBefore)).toISOString(),
  };
}

/**
 * Handed to the queue (or taken over): the first-response and resolution clocks start (if not
 * already running), and the channel's reply window runs from the customer's last message, which
 * the bot saw before the handoff.
 */
export function startQueueTimers(c: Conversation, config: DeskConfig, now: Date): SlaTimestamps {
  const policy = policyFor(c, config);
  const sla: SlaTimestamps = {
    ...c.sla,
    queuedAt: now.toISOString(),
    ...replyWindow(c, config, new Date(c.lastMessageAt)),
  };
  if (!sla.firstRespondedAt && !sla.firstResponseDueAt) {
    const d = due(now, policy.firstResponse, policy, config);
    sla.firstResponseDueAt = d.dueAt;
    sla.firstResponseWarnAt = d.warnAt;
  }
  if (!sla.resolutionDueAt) {
    const d = due(now, policy.resolution, policy, config);
    sla.resolutionDueAt = d.dueAt;
    sla.resolutionWarnAt = d.warnAt;
  }
  return sla;
}

/** The customer wrote: a human-owned case owes them a next response; the channel's reply window restarts. */
export function onCustomerMessage(c: Conversation, config: DeskConfig, now: Date): SlaTimestamps {
  const sla: SlaTimestamps = { ...c.sla, lastCustomerMessageAt: now.toISOString() };
  const human = c.mode === 'queued' || c.mode === 'agent';
  // The earliest unanswered message sets the clock; later ones do not push it back.
  if (human && sla.firstRespondedAt && !sla.nextResponseDueAt) {
    const policy = policyFor(c, config);
    const d = due(now, policy.nextResponse, policy, config);
    sla.nextResponseDueAt = d.dueAt;
    sla.nextResponseWarnAt = d.warnAt;
  }
  return { ...sla, ...replyWindow(c, config, now) };
}

/** An agent answered the customer: first response recorded, the next-response clock stops. */
export function onAgentReply(c: Conversation, now: Date): SlaTimestamps {
  const at = now.toISOString();
  return {
    ...c.sla,
    firstRespondedAt: c.sla.firstRespondedAt ?? at,
    firstResponseDueAt: undefined,
    firstResponseWarnAt: undefined,
    nextResponseDueAt: undefined,
    nextResponseWarnAt: undefined,
    lastAgentReplyAt: at,
  };
}

/** Resolved, or back with the bot: no human owes anything any more. */
export function stopHumanTimers(sla: SlaTimestamps): SlaTimestamps {
  return {
    ...sla,
    firstResponseDueAt: undefined,
    firstResponseWarnAt: undefined,
    nextResponseDueAt: undefined,
    nextResponseWarnAt: undefined,
    resolutionDueAt: undefined,
    resolutionWarnAt: undefined,
    replyWindowClosesAt: undefined,
    replyWindowWarnAt: undefined,
  };
}

export interface SlaAlert {
  readonly type: 'sla.warning' | 'sla.breached';
  readonly target: SlaTarget;
  readonly dueAt: string;
  /** Stored in `sla.alerted` once raised. */
  readonly key: string;
}

function timer(sla: SlaTimestamps, t: SlaTarget): { dueAt?: string; warnAt?: string } {
  switch (t) {
    case 'firstResponse':
      return { dueAt: sla.firstResponseDueAt, warnAt: sla.firstResponseWarnAt };
    case 'nextResponse':
      return { dueAt: sla.nextResponseDueAt, warnAt: sla.nextResponseWarnAt };
    case 'resolution':
      return { dueAt: sla.resolutionDueAt, warnAt: sla.resolutionWarnAt };
    case 'replyWindow':
      return { dueAt: sla.replyWindowClosesAt, warnAt: sla.replyWindowWarnAt };
  }
}

/** Alerts due at `now` and not yet raised: a breach makes its own warning moot. */
export function dueAlerts(c: Conversation, now: Date): SlaAlert[] {
  if (c.mode !== 'queued' && c.mode !== 'agent') return [];
  const at = now.toISOString();
  const raised = new Set(c.sla.alerted ?? []);
  const out: SlaAlert[] = [];
  for (const target of SLA_TARGETS) {
    const { dueAt, warnAt } = timer(c.sla, target);
    if (!dueAt) continue;
    const breachKey = `${target}.breached@${dueAt}`;
    const warnKey = `${target}.warning@${dueAt}`;
    if (at >= dueAt) {
      if (!raised.has(breachKey)) out.push({ type: 'sla.breached', target, dueAt, key: breachKey });
    } else if (warnAt && at >= warnAt && !raised.has(warnKey)) {
      out.push({ type: 'sla.warning', target, dueAt, key: warnKey });
    }
  }
  return out;
}

/** The next instant at which some alert of this conversation falls due (for the watcher's timer). */
export function nextAlertAt(c: Conversation): string | undefined {
  if (c.mode !== 'queued' && c.mode !== 'agent') return undefined;
  const raised = new Set(c.sla.alerted ?? []);
  let next: string | undefined;
  for (const target of SLA_TARGETS) {
    const { dueAt, warnAt } = timer(c.sla, target);
    if (!dueAt) continue;
    const candidate = warnAt && !raised.has(`${target}.warning@${dueAt}`) ? warnAt : dueAt;
    if (raised.has(`${target}.breached@${dueAt}`)) continue;
    if (next === undefined || candidate < next) next = candidate;
  }
  return next;
}

/** The deadline the queue sorts by: the response owed soonest, else resolution. */
export function slaDeadline(c: Conversation): string | undefined {
  const responses = [c.sla.firstResponseDueAt, c.sla.nextResponseDueAt].filter((d): d is string => d !== undefined);
  if (responses.length > 0) return responses.sort()[0];
  return c.sla.resolutionDueAt;
}

/** Some response or resolution target of this conversation is past due. */
export function isBreached(c: Conversation, now: Date): boolean {
  const at = now.toISOString();
  return [c.sla.firstResponseDueAt, c.sla.nextResponseDueAt, c.sla.resolutionDueAt].some(
    (d) => d !== undefined && d <= at,
  );
}
