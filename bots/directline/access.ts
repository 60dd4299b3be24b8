/**
 * Who may call /directline: the Origin a browser sends (WEBCHAT_ALLOWED_ORIGINS,
 * plus caredesk's own for the demo page), and the bearer token of a
 * conversation. Every refusal is a CaredeskError, so it leaves in caredesk's
 * error shape: 401 for no or a foreign token, 403 for an expired one, another
 * conversation's, or an origin not allowed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CaredeskError, ForbiddenError, UnauthorizedError } from '../../core/index.js';
import type { TokenMinter, TokenPayload } from './tokens.js';

/** The origin this request reached caredesk at, as a browser on caredesk's own page would send it. */
export const ownOrigin = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;

/**
 * Refuses a browser request from a page whose origin is not allowed; answers
 * with CORS headers for one that is. A request without Origin (a server, curl)
 * passes: the token, not the origin, is what protects a conversation.
 */
export function checkOrigin(request: FastifyRequest, reply: FastifyReply, allowed: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (origin !== ownOrigin(request) && !allowed.includes(origin)) {
    throw new ForbiddenError(
      `Pages from ${origin} may not use this Web Chat; add the origin to WEBCHAT_ALLOWED_ORIGINS (docs/webchat.md).`,
      { origin },
    );
  }
  void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
}

/** The preflight answer a browser needs before a cross-origin POST with a bearer token. */
export function answerPreflight(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const requested = request.headers['access-control-request-headers'];
  return reply
    .code(204)
    .header('access-control-allow-methods', 'GET, POST, OPTIONS')
    .header(
      'access-control-allow-headers',
      typeof requested === 'string' ? requested : 'authorization, content-type, x-ms-bot-agent',
    )
    .header('access-control-max-age', '600')
    .send();
}

export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** The payload of the request's bearer token, which must open `conversationId` when one is named. */
export function authorize(
  minter: TokenMinter,
  token: string | undefined,
  nowSeconds: number,
  conversationId?: string,
  kind: 'bearer' | 'stream' = 'bearer',
): TokenPayload {
  if (token === undefined) {
    throw new UnauthorizedError(
      'Send the Direct Line token as "Authorization: Bearer <token>"; get one from POST /directline/tokens/generate.',
    );
  }
  const check = minter.verify(token, nowSeconds, kind);
  if (!check.ok) {
    const message = `The Direct Line token is refused: ${check.reason}.`;
    throw check.status === 401 ? new UnauthorizedError(message) : new ForbiddenError(message);
  }
  if (conversationId !== undefined && check.payload.conversationId !== conversationId) {
    throw new ForbiddenError('This token opens another conversation; use the conversationId it was issued with.');
  }
  return check.payload;
}

export class TooManyError extends CaredeskError {
  constructor(what: string, waitMs: number) {
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    super('E_RATE_LIMITED', `${what}; wait ${retryAfterSeconds} s and try again.`, { retryAfterSeconds });
  }
}
