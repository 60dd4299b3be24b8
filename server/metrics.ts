/**
 * GET /metrics in Prometheus's text format. Every server has its own
 * registry, so that several servers in one process (tests) do not mix their
 * figures. Counters follow the event bus (facts already committed); gauges
 * read the store when scraped, so they are right after a restart.
 */
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CHANNELS, type DomainEvent } from '../core/index.js';
import type { ServerPlugin } from './app.js';

/** Fastify publishes here when a request reaches its route's handler, with the route's pattern. */
const HANDLER_START = 'tracing:fastify.request.handler:start';

/** Customer messages still waiting for a reply, remembered for the reply-time histogram; the oldest are forgotten. */
const MAX_WAITING = 10_000;

const text = (value: unknown, fallback = 'unknown'): string => (typeof value === 'string' ? value : fallback);

export const metricsPlugin: ServerPlugin = (app, { desk, config, coordination }) => {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  // Which process answered: counters are this process's own; gauges read from the store are the desk's.
  new Gauge({
    name: 'caredesk_process_duties',
    help: 'Whether this process does the duties (Telegram long polling, outbox delivery, timers): 1 or 0, labelled with its name.',
    labelNames: ['process'],
    registers,
    collect() {
      this.reset();
      const name = coordination?.processName ?? config.processName;
      this.set({ process: name }, coordination === undefined || coordination.hasDuties ? 1 : 0);
    },
  });
  const store = desk.store;

  new Gauge({
    name: 'caredesk_queue_length',
    help: 'Conversations waiting in the queue for a human, per channel.',
    labelNames: ['channel'],
    registers,
    async collect() {
      const counts = new Map<string, number>(CHANNELS.map((c) => [c, 0]));
      for (const c of await store.listConversations({ modes: ['queued'] })) {
        counts.set(c.channel, (counts.get(c.channel) ?? 0) + 1);
      }
      for (const [channel, n] of counts) this.set({ channel }, n);
    },
  });
  new Gauge({
    name: 'caredesk_outbox_pending',
    help: 'Outgoing messages stored but not delivered yet (the outbox backlog).',
    registers,
    async collect() {
      this.set((await store.listOutbox({ status: 'pending' })).length);
    },
  });
  new Gauge({
    name: 'caredesk_outbox_oldest_pending_seconds',
    help: 'Age of the oldest undelivered outgoing message; 0 when the outbox is empty.',
    registers,
    async collect() {
      const [oldest] = await store.listOutbox({ status: 'pending', limit: 1 });
      const age = oldest ? (desk.clock.now().getTime() - Date.parse(oldest.createdAt)) / 1000 : 0;
      this.set(Math.max(0, age));
    },
  });
  new Gauge({
    name: 'caredesk_agents',
    help: 'Agents and supervisors, per presence.',
    labelNames: ['presence'],
    registers,
    async collect() {
      const counts = new Map<string, number>([
        ['online', 0],
        ['away', 0],
        ['offline', 0],
      ]);
      for (const a of await store.listAgents()) counts.set(a.presence, (counts.get(a.presence) ?? 0) + 1);
      for (const [presence, n] of counts) this.set({ presence }, n);
    },
  });

  const received = new Counter({
    name: 'caredesk_messages_received_total',
    help: 'Customer messages stored, per channel (redeliveries not counted).',
    labelNames: ['channel'],
    registers,
  });
  const sent = new Counter({
    name: 'caredesk_messages_sent_total',
    help: 'Replies stored for delivery, per author (bot, agent, system).',
    labelNames: ['author'],
    registers,
  });
  const delivered = new Counter({
    name: 'caredesk_messages_delivered_total',
    help: 'Outgoing messages the channel accepted.',
    registers,
  });
  const failed = new Counter({
    name: 'caredesk_messages_failed_total',
    help: 'Outgoing messages given up on after their retries.',
    registers,
  });
  const handoffs = new Counter({
    name: 'caredesk_handoffs_total',
    help: 'Conversations put in the queue for a human, per channel.',
    labelNames: ['channel'],
    registers,
  });
  const breaches = new Counter({
    name: 'caredesk_sla_breaches_total',
    help: 'SLA targets missed, per target (firstResponse, nextResponse, resolution, replyWindow), channel and priority.',
    labelNames: ['target', 'channel', 'priority'],
    registers,
  });
  const replyTime = new Histogram({
    name: 'caredesk_reply_seconds',
    help: 'From a customer message to the next reply stored for them, per author of the reply.',
    labelNames: ['author'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 900, 3600, 14_400, 86_400],
    registers,
  });
  const httpDuration = new Histogram({
    name: 'caredesk_http_request_duration_seconds',
    help: 'HTTP requests, per method, route pattern and status; route "(none)" for requests answered before a handler (unknown path, unreadable body, refused).',
    labelNames: ['method', 'route', 'status_code'],
    registers,
  });
  for (const channel of CHANNELS) {
    received.inc({ channel }, 0);
    handoffs.inc({ channel }, 0);
  }
  for (const author of ['bot', 'agent', 'system']) sent.inc({ author }, 0);

  const waiting = new Map<string, number>();
  const onEvent: Record<string, (e: DomainEvent) => void> = {
    'message.received': (e) => {
      received.inc({ channel: text(e.data.channel) });
      if (e.conversationId === undefined || waiting.has(e.conversationId)) return;
      waiting.set(e.conversationId, Date.parse(e.at));
      if (waiting.size > MAX_WAITING) waiting.delete(waiting.keys().next().value!);
    },
    'message.sent': (e) => {
      const author = text(e.data.author);
      sent.inc({ author });
      const since = e.conversationId === undefined ? undefined : waiting.get(e.conversationId);
      if (since === undefined) return;
      waiting.delete(e.conversationId!);
      replyTime.observe({ author }, Math.max(0, Date.parse(e.at) - since) / 1000);
    },
    'message.delivered': () => delivered.inc(),
    'message.failed': () => failed.inc(),
    'handoff.requested': (e) => handoffs.inc({ channel: text(e.data.channel) }),
    'sla.breached': (e) =>
      breaches.inc({ target: text(e.data.target), channel: text(e.data.channel), priority: text(e.data.priority) }),
  };
  const unsubscribe = Object.entries(onEvent).map(([type, fn]) => desk.bus.subscribe(fn, type));

  // Hooks of this plugin see only its own routes; the raw server sees every request, and
  // fastify's diagnostics channel names the route pattern (ids stay out of the labels).
  const routes = new WeakMap<object, string>();
  const onHandler = (message: unknown): void => {
    const { request, route } = message as { request?: { raw?: object }; route?: { url?: unknown } };
    if (request?.raw && typeof route?.url === 'string') routes.set(request.raw, route.url);
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const start = process.hrtime.bigint();
    res.once('close', () => {
      const labels = { method: req.method ?? '', route: routes.get(req) ?? '(none)', status_code: res.statusCode };
      httpDuration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
  };
  diagnostics.subscribe(HANDLER_START, onHandler);
  app.server.on('request', onRequest);

  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', registry.contentType);
    return registry.metrics();
  });

  app.addHook('onClose', async () => {
    for (const stop of unsubscribe) stop();
    diagnostics.unsubscribe(HANDLER_START, onHandler);
    app.server.off('request', onRequest);
  });
};
