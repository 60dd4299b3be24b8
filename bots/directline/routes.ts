/**
 * Direct Line 3.0's REST side, as Web Chat (botframework-directlinejs) calls
 * it, under /directline: tokens, conversations, activities by watermark. The
 * WebSocket stream is in stream.ts. Answers have Azure's shapes; refusals
 * have caredesk's error shape (server/http-errors.ts).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Desk, InvalidInputError, NotFoundError } from '../../core/index.js';
import { answerPreflight, authorize, bearerOf, checkOrigin, ownOrigin, TooManyError } from './access.js';
import { inboundOf, readPosted, visitorActivity } from './activity.js';
import { type DirectLineLimits, SlidingWindow, TokenBuckets } from './limits.js';
import {
  STREAM_TOKEN_LIFETIME_SECONDS,
  TOKEN_LIFETIME_SECONDS,
  type TokenMinter,
  type TokenPayload,
} from './tokens.js';
import type { Transcripts } from './transcript.js';
import { GenerateBodySchema, linkVouched, visitorOf } from './visitor.js';

export const DIRECTLINE_PATH = '/directline';

export interface RouteDeps {
  readonly desk: Desk;
  readonly transcripts: Transcripts;
  readonly minter: () => Promise<TokenMinter>;
  readonly allowedOrigins: readonly string[];
  readonly secret: string | undefined;
  readonly limits: DirectLineLimits;
}

const WatermarkQuery = z.object({ watermark: z.string().max(16).optional() });
const ConversationParams = z.object({ id: z.string().min(1).max(128) });

export function directLineRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { desk, transcripts } = deps;
  const perAddress = new SlidingWindow(deps.limits.conversationsPerAddress, deps.limits.addressWindowMs);
  const perConversation = new TokenBuckets(deps.limits.activityBurst, deps.limits.activitiesPerSecond);
  const nowSeconds = () => Math.floor(desk.clock.now().getTime() / 1000);

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(`${DIRECTLINE_PATH}/`)) checkOrigin(request, reply, deps.allowedOrigins);
  });
  app.options(`${DIRECTLINE_PATH}/*`, async (request, reply) => answerPreflight(request, reply));

  const tokenFor = async (payload: Omit<TokenPayload, 'expires' | 'stream' | 'nonce'>) => {
    const minter = await deps.minter();
    return minter.sign({ ...payload, expires: nowSeconds() + TOKEN_LIFETIME_SECONDS });
  };
  const bearer = async (request: FastifyRequest, conversationId?: string) =>
    authorize(await deps.minter(), bearerOf(request), nowSeconds(), conversationId);
  const streamUrl = async (request: FastifyRequest, payload: TokenPayload, watermark?: string) => {
    const t = (await deps.minter()).sign({
      ...payload,
      stream: true,
      expires: nowSeconds() + STREAM_TOKEN_LIFETIME_SECONDS,
    });
    const base = ownOrigin(request).replace(/^http/, 'ws');
    const query = new URLSearchParams({ ...(watermark ? { watermark } : {}), t });
    return `${base}${DIRECTLINE_PATH}/conversations/${encodeURIComponent(payload.conversationId)}/stream?${query}`;
  };
  const existing = async (id: string) => {
    if (!(await transcripts.conversation(id))) throw new NotFoundError('Direct Line conversation', id);
  };

  app.post(`${DIRECTLINE_PATH}/tokens/generate`, async (request) => {
    const body = GenerateBodySchema.parse(request.body ?? undefined);
    const visitor = visitorOf(request, body, deps.secret, nowSeconds());
    if (!visitor.trustedCaller) {
      const wait = perAddress.take(request.ip, desk.clock.now().getTime());
      if (wait > 0) throw new TooManyError('Too many Web Chat conversations from this address', wait);
    }
    // Before the visitor's first message, so that it already lands in the customer the site vouched for.
    await linkVouched(desk, request, body, visitor);
    const userId = visitor.id ?? `anon:${randomBytes(12).toString('base64url')}`;
    const identified = visitor.id !== undefined;
    const conversationId =
      (identified ? await transcripts.conversationOfUser(userId) : undefined) ??
      (await transcripts.open({ userId, userName: visitor.name, identified }));
    const token = await tokenFor({ conversationId, userId, userName: visitor.name, identified });
    return { conversationId, token, expires_in: TOKEN_LIFETIME_SECONDS };
  });

  app.post(`${DIRECTLINE_PATH}/tokens/refresh`, async (request) => {
    const { expires: _, stream: __, nonce: ___, ...payload } = await bearer(request);
    await existing(payload.conversationId);
    return {
      conversationId: payload.conversationId,
      token: await tokenFor(payload),
      expires_in: TOKEN_LIFETIME_SECONDS,
    };
  });

  app.post(`${DIRECTLINE_PATH}/conversations`, async (request, reply) => {
    const payload = await bearer(request);
    await existing(payload.conversationId);
    void reply.code(201);
    return {
      conversationId: payload.conversationId,
      token: bearerOf(request),
      expires_in: Math.max(0, payload.expires - nowSeconds()),
      streamUrl: await streamUrl(request, payload),
    };
  });

  app.get(`${DIRECTLINE_PATH}/conversations/:id`, async (request) => {
    const { id } = ConversationParams.parse(request.params);
    const { watermark } = WatermarkQuery.parse(request.query);
    const payload = await bearer(request, id);
    await existing(id);
    return {
      conversationId: id,
      token: bearerOf(request),
      expires_in: Math.max(0, payload.expires - nowSeconds()),
      streamUrl: await streamUrl(request, payload, watermark),
    };
  });

  app.get(`${DIRECTLINE_PATH}/conversations/:id/activities`, async (request) => {
    const { id } = ConversationParams.parse(request.params);
    const { watermark } = WatermarkQuery.parse(request.query);
    await bearer(request, id);
    await existing(id);
    return transcripts.since(id, watermark);
  });

  app.post(
    `${DIRECTLINE_PATH}/conversations/:id/activities`,
    // A message of MAX_TEXT_LENGTH characters, 4 bytes each, and what Web Chat adds around it.
    { bodyLimit: 64 * 1024 },
    async (request) => {
      const { id } = ConversationParams.parse(request.params);
      const payload = await bearer(request, id);
      await existing(id);
      const posted = readPosted(request.body);
      const wait = perConversation.take(id, desk.clock.now().getTime());
      if (wait > 0) throw new TooManyError('Too many activities in this conversation', wait);
      // Typing, events and the like: Azure takes them; the desk has no use for them.
      if (posted.type !== 'message') return { id: `${id}|${posted.type}-${randomBytes(6).toString('hex')}` };
      const visitor = { userId: payload.userId, userName: payload.userName };
      const build = visitorActivity(posted, visitor, id);
      inboundOf(build(`${id}|pending`, desk.clock.now().toISOString()));
      const clientActivityId = posted.channelData?.clientActivityID;
      const { activity } = await transcripts.append(id, build, { clientActivityId });
      // A retried post finds its activity again and is stored once (the desk drops a channel message id it has).
      await desk.receive(inboundOf(activity));
      return { id: activity.id };
    },
  );

  app.post(`${DIRECTLINE_PATH}/conversations/:id/upload`, async () => {
    throw new InvalidInputError('Attachments are not taken over this Direct Line yet; send text instead.');
  });
}
