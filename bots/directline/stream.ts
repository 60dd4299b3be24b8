/**
 * A Direct Line conversation's WebSocket (`streamUrl`): on opening it sends
 * the activities after the URL's watermark (all of them without one, as a
 * reconnecting or reloaded Web Chat expects), then each new one, as
 * `{"activities":[…],"watermark":"n"}`; an agent typing is a frame with a
 * `typing` activity and no watermark (typing.ts). What the client sends (Web
 * Chat pings with empty messages) is ignored. The stream token in the URL is
 * checked before the upgrade, so a refusal is a plain HTTP 401/403.
 */
import websocket, { type WebSocket } from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Desk } from '../../core/index.js';
import { authorize } from './access.js';
import { DIRECTLINE_PATH } from './routes.js';
import type { TokenMinter } from './tokens.js';
import type { ActivitySet, LiveSignal, Transcripts } from './transcript.js';

/** A socket that has not answered a ping for this long is closed (a laptop lid shut, a dropped network). */
const PING_EVERY_MS = 30_000;

const StreamQuery = z.object({ t: z.string().max(2048).optional(), watermark: z.string().max(16).optional() });
const Params = z.object({ id: z.string().min(1).max(128) });

export async function directLineStream(
  app: FastifyInstance,
  deps: { readonly desk: Desk; readonly transcripts: Transcripts; readonly minter: () => Promise<TokenMinter> },
): Promise<void> {
  // In this channel's scope: the upgrade goes through fastify's router, hooks and error handler like any request.
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const nowSeconds = () => Math.floor(deps.desk.clock.now().getTime() / 1000);

  app.get(
    `${DIRECTLINE_PATH}/conversations/:id/stream`,
    {
      websocket: true,
      preValidation: async (request) => {
        const { id } = Params.parse(request.params);
        const { t } = StreamQuery.parse(request.query);
        authorize(await deps.minter(), t, nowSeconds(), id, 'stream');
      },
    },
    (socket, request) => {
      const { id } = Params.parse(request.params);
      const { watermark } = StreamQuery.parse(request.query);
      void follow(socket, id, watermark, deps.transcripts).catch((err: unknown) => {
        request.log.warn({ err }, 'Direct Line stream failed');
        socket.close(1011, 'caredesk could not read the conversation');
      });
    },
  );
}

async function follow(socket: WebSocket, id: string, watermark: string | undefined, transcripts: Transcripts) {
  let sentUpTo = -1;
  let held: ActivitySet[] | undefined = [];
  const send = (set: ActivitySet) => {
    const at = Number(set.watermark);
    if (at <= sentUpTo || socket.readyState !== socket.OPEN) return;
    sentUpTo = at;
    socket.send(JSON.stringify(set));
  };
  // An agent typing while the backlog is read is stale once it is out: dropped, not held.
  const signal = (frame: LiveSignal) => {
    if (!held && socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };
  // Subscribed before reading the backlog, so nothing appended in between is missed; held until the backlog is out.
  const stop = await transcripts.subscribe(id, (set) =>
    !('watermark' in set) ? signal(set) : held ? held.push(set) : send(set),
  );
  if (socket.readyState !== socket.OPEN) return stop();
  let alive = true;
  const ping = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, PING_EVERY_MS);
  socket.on('pong', () => {
    alive = true;
  });
  socket.on('close', () => {
    clearInterval(ping);
    stop();
  });
  const backlog = await transcripts.since(id, watermark);
  if (backlog.activities.length > 0) send(backlog);
  else sentUpTo = Number(backlog.watermark);
  for (const set of held) send(set);
  held = undefined;
}
