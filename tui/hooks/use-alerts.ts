import { useCallback, useEffect, useRef, useState } from 'react';
import type { AdminClient, AgentView } from '../client.js';
import { sanitizeLine } from '../sanitize.js';
import { type Alert, alertFor } from '../state/alerts.js';
import type { LiveFeed } from '../state/live-feed.js';
import { useLiveEvents } from './use-feed.js';

export interface AlertsOptions {
  readonly client: AdminClient;
  readonly feed: LiveFeed;
  readonly me: AgentView;
  readonly bell: boolean;
  /** Rings the terminal bell (writes BEL). */
  readonly ring: () => void;
  readonly flashMs?: number;
  /** The customer's name for a conversation, when known: alerts name the customer. */
  readonly nameOf?: (conversationId: string) => string | undefined;
}

export interface AlertsData {
  /** The alert flashing now, with when it was raised. */
  readonly alert: (Alert & { readonly at: number }) | undefined;
  readonly bell: boolean;
  readonly setBell: (on: boolean) => void;
}

/** One ring per this much: a burst of breaches is one bell, not a siren. */
const BELL_GAP_MS = 1500;

/**
 * Alerts flash in the status bar and ring the bell: new handoffs, SLA
 * warnings and breaches, escalations, volume spikes, replies the desk could
 * not deliver, and a whisper (a note from someone else on a conversation
 * assigned to me).
 */
export function useAlerts(options: AlertsOptions): AlertsData {
  const { client, feed, me, ring } = options;
  const flashMs = options.flashMs ?? 8000;
  const [alert, setAlert] = useState<Alert & { at: number }>();
  const [bell, setBell] = useState(options.bell);
  const bellRef = useRef(bell);
  bellRef.current = bell;
  const lastRing = useRef(0);
  const timer = useRef<NodeJS.Timeout>(undefined);
  const names = useRef<Map<string, string>>(undefined);

  const raise = useCallback(
    (a: Alert) => {
      setAlert({ ...a, at: Date.now() });
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setAlert(undefined), flashMs);
      const now = Date.now();
      if (bellRef.current && now - lastRing.current >= BELL_GAP_MS) {
        lastRing.current = now;
        ring();
      }
    },
    [flashMs, ring],
  );
  useEffect(() => () => clearTimeout(timer.current), []);

  const whisper = useCallback(
    async (conversationId: string, messageId: unknown, from: string) => {
      const detail = await client.conversation(conversationId);
      if (detail.conversation.assignee !== me.id) return;
      const message = detail.messages.find((m) => m.id === messageId);
      if (!names.current) {
        const agents = await client.agents().catch(() => []);
        names.current = new Map(agents.map((a) => [a.id, a.name]));
      }
      const who = sanitizeLine(names.current.get(from) ?? from);
      raise({
        kind: 'whisper',
        conversationId,
        text: `Whisper from ${who}: ${sanitizeLine(message?.text ?? '(a note)')}`,
      });
    },
    [client, me.id, raise],
  );

  useLiveEvents(feed, (e) => {
    if (e.kind !== 'domain') return;
    const ev = e.event;
    if (ev.type === 'note.added') {
      if (ev.conversationId && ev.agentId && ev.agentId !== me.id) {
        whisper(ev.conversationId, ev.data.messageId, ev.agentId).catch(() => undefined);
      }
      return;
    }
    const a = alertFor(ev, options.nameOf);
    if (a) raise(a);
  });

  return { alert, bell, setBell };
}
