/**
 * GET /admin/v1/events: the live event stream (Server-Sent Events). Each
 * stored event is `id: <seq>`, `event: <type>`, `data: <event JSON>`; a
 * reconnecting client sends `Last-Event-ID` (or `?after=`) and gets exactly
 * what it missed, then live events (see event-feed.ts). `viewer.changed`
 * frames carry no id: they are not stored and not replayed. A comment line
 * every 15 s keeps proxies from closing a quiet stream; at that beat the
 * token is checked again, so a removed agent or a rotated token ends it.
 */

import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type DomainEvent,
  EventSeqSchema,
  EventsQuerySchema,
  InvalidInputError,
  type ViewerChange,
  type Wire,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { agentOf } from './auth.js';
import { EventFeed } from './event-feed.js';
import { parseInput } from './input.js';
import type { StreamPresence } from './stream-presence.js';
import type { Viewer, ViewerRegistry } from './viewers.js';

export interface EventStreamOptions {
  /** Default 15 s. */
  readonly heartbeatMs?: number;
  /** Told when each agent's streams open and close: presence follows the terminal. */
  readonly presence?: StreamPresence;
}

/** The open streams, so that a shutdown can end them (fastify's close waits for every open response). */
export class EventStreams {
  private readonly open = new Set<EventStream>();

  add(stream: EventStream): void {
    this.open.add(stream);
  }
  delete(stream: EventStream): void {
    this.open.delete(stream);
  }
  get size(): number {
    return this.open.size;
  }
  closeAll(): void {
    for (const s of [...this.open]) s.close();
  }
}

interface StreamSetup {
  readonly res: ServerResponse;
  readonly streams: EventStreams;
  readonly context: ServerContext;
  readonly viewers: ViewerRegistry;
  readonly after: number;
  readonly heartbeatMs: number;
  /** Checked at each heartbeat: false (agent removed, token rotated) ends the stream. */
  readonly stillAllowed: () => Promise<boolean>;
  readonly onError: (err: unknown) => void;
  /** Called when the stream closes (the agent's presence follows their open streams). */
  readonly onClose: () => void;
}

class EventStream {
  private readonly res: ServerResponse;
  private readonly streams: EventStreams;
  private readonly feed: EventFeed;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly stopViewers: () => void;
  private readonly onClose: () => void;
  private closed = false;

  constructor(setup: StreamSetup) {
    const { res, streams, context, viewers, onError } = setup;
    this.res = res;
    this.streams = streams;
    this.onClose = setup.onClose;
    this.feed = new EventFeed({
      store: context.desk.store,
      bus: context.desk.bus,
      after: setup.after,
      send: (e) => this.write(frame(e)),
      onError: (err) => {
        onError(err);
        this.close();
      },
    });
    this.stopViewers = viewers.onChange((conversationId, list) => {
      void this.write(viewerFrame(conversationId, list));
    });
    this.heartbeat = setInterval(() => {
      setup.stillAllowed().then(
        (allowed) => (allowed ? this.write(': ping\n\n') : this.close()),
        () => this.close(),
      );
    }, setup.heartbeatMs);
    this.heartbeat.unref();
    res.on('close', () => this.close());
    streams.add(this);
  }

  start(): void {
    // Tells an EventSource how soon to reconnect; a comment alone would do for other clients.
    void this.write('retry: 2000\n\n');
    this.feed.start();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed.stop();
    this.stopViewers();
    clearInterval(this.heartbeat);
    this.streams.delete(this);
    this.onClose();
    if (!this.res.writableEnded) this.res.end();
  }

  /** Resolves when the client can take more (or the stream is gone). */
  private write(chunk: string): Promise<void> {
    if (this.closed || this.res.writableEnded) return Promise.resolve();
    if (this.res.write(chunk)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }
}

function frame(e: DomainEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

function viewerFrame(conversationId: string, viewers: readonly Viewer[]): string {
  const data: Wire<ViewerChange> = { conversationId, viewers };
  return `event: viewer.changed\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Last-Event-ID (what EventSource sends on reconnect) wins over `?after=`; neither: live events only. */
async function resumeFrom(request: FastifyRequest, context: ServerContext): Promise<number> {
  const { after } = parseInput(EventsQuerySchema, request.query, 'The query');
  const header = request.headers['last-event-id'];
  const given =
    typeof header === 'string' && header.trim() !== ''
      ? parseInput(EventSeqSchema, header.trim(), 'The Last-Event-ID header')
      : after;
  const last = await context.desk.store.lastEventSeq();
  // Every event a client can have seen is stored, so a higher number comes from other data
  // (a data directory started afresh): waiting for that number would skip everything until then.
  if (given !== undefined && given > last) {
    throw new InvalidInputError(
      `Event ${given} does not exist here; the last stored event is ${last}. The server's data is not what this client saw: reload its state and reconnect without Last-Event-ID.`,
    );
  }
  return given ?? last;
}

export function eventRoutes(
  scope: FastifyInstance,
  context: ServerContext,
  viewers: ViewerRegistry,
  streams: EventStreams,
  options: EventStreamOptions = {},
): void {
  // A HEAD would open a stream whose body node drops: nothing to wait for.
  scope.get('/admin/v1/events', { exposeHeadRoute: false, config: { parsesQuery: true } }, async (request, reply) => {
    const after = await resumeFrom(request, context);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // One stream per connection: when it ends, so does the socket (shutdown does not wait on it).
      connection: 'close',
      'x-accel-buffering': 'no',
    });
    const agent = agentOf(request);
    const stream = new EventStream({
      res: reply.raw,
      streams,
      context,
      viewers,
      after,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      stillAllowed: async () => (await context.desk.store.getAgent(agent.id))?.tokenHash === agent.tokenHash,
      onError: (err) => request.log.error({ err }, 'event stream failed'),
      onClose: options.presence?.connected(agent.id) ?? (() => undefined),
    });
    stream.start();
  });
}
