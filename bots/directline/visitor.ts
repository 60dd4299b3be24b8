/**
 * Who asks for a Direct Line token: an anonymous visitor, or one the
 * company's site knows — its backend signed their user id (and, if it knows
 * them, their identities on other channels) with WEBCHAT_SECRET, or asked for
 * the token itself with the secret as bearer, as Azure's token API is asked.
 * The identities a site vouches for are linked to the visitor in core
 * (linkVouchedIdentities), the signed claim kept as the link's evidence.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  CaredeskError,
  type Channel,
  type Desk,
  ForbiddenError,
  InvalidInputError,
  linkVouchedIdentities,
  sameSecret,
} from '../../core/index.js';
import { bearerOf } from './access.js';
import { verifyUserSignature } from './tokens.js';

/** No control characters: the signed text is one line per part (tokens.ts), so none may hide a line break. */
const PRINTABLE = /^[^\p{Cc}]+$/u;

const UserId = z.string().min(1).max(100).regex(PRINTABLE, 'a user id has no control characters');

/**
 * The identity channels a site can know a person by: the Telegram user id its
 * Telegram login gives it, the Bot Framework `from.id` its Teams bot sees.
 */
const VOUCHABLE = ['telegram', 'botframework'] as const satisfies readonly Channel[];
const Vouched = z
  .string()
  .max(150)
  .regex(/^(telegram|botframework):\S{1,128}$/, 'expected "telegram:<user id>" or "botframework:<from.id>"');

export const GenerateBodySchema = z
  .object({
    user: z.object({ id: UserId, name: z.string().max(256).optional() }).optional(),
    /** Identified visitors: the same person's identities on other channels, signed with the user id. */
    identities: z.array(Vouched).max(5).optional(),
    /** Identified visitors: Unix seconds after which the signature is worth nothing. */
    expires: z.number().int().positive().optional(),
    /** Identified visitors: hex HMAC-SHA256 of the signed text (tokens.ts) under WEBCHAT_SECRET. */
    signature: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'expected 64 hex digits (HMAC-SHA256)')
      .optional(),
  })
  .optional();
export type GenerateBody = z.infer<typeof GenerateBodySchema>;

export interface VisitorClaim {
  /** `user:<site user id>` for an identified visitor; none for an anonymous one. */
  readonly id?: string;
  readonly name?: string;
  /** Your backend with WEBCHAT_SECRET as bearer (Azure's token API way): not limited per address. */
  readonly trustedCaller: boolean;
}

/** The visitor a token request is for; a claim that does not hold is refused (403, or 400 if incomplete). */
export function visitorOf(
  request: FastifyRequest,
  body: GenerateBody,
  secret: string | undefined,
  nowSeconds: number,
): VisitorClaim {
  const user = body?.user;
  const bearer = bearerOf(request);
  if (body?.identities !== undefined && user === undefined) {
    throw new InvalidInputError('"identities" name the other channels of a "user": send the user\'s id too.');
  }
  if (bearer !== undefined) {
    if (secret === undefined || !sameSecret(bearer, secret)) {
      throw new ForbiddenError('The bearer secret is not WEBCHAT_SECRET; a browser asks for a token without one.');
    }
    return { id: user ? `user:${user.id}` : undefined, name: user?.name, trustedCaller: true };
  }
  if (body?.signature === undefined && body?.expires === undefined) {
    if (user !== undefined) {
      throw new ForbiddenError(
        'A user id must be signed by your backend (expires and signature, docs/webchat.md); leave "user" out for an anonymous visitor.',
      );
    }
    return { trustedCaller: false };
  }
  if (user === undefined || body.signature === undefined || body.expires === undefined) {
    throw new InvalidInputError('An identified visitor needs "user": {"id"}, "expires" and "signature" together.');
  }
  if (secret === undefined) {
    throw new ForbiddenError('Signed user ids are not accepted: this desk has no WEBCHAT_SECRET.');
  }
  const check = verifyUserSignature(
    secret,
    { userId: user.id, expires: body.expires, signature: body.signature, identities: body.identities },
    nowSeconds,
  );
  if (!check.ok) throw new ForbiddenError(`The signed user id is refused: ${check.reason}.`);
  return { id: `user:${user.id}`, name: user.name, trustedCaller: false };
}

/**
 * Links the identities the site vouched for to this visitor. A link that
 * cannot be made now (another request merging the same customers at the same
 * moment) is logged, not refused: the visitor chats anyway, and the claim
 * comes again with the next token request.
 */
export async function linkVouched(
  desk: Desk,
  request: FastifyRequest,
  body: GenerateBody,
  visitor: VisitorClaim,
): Promise<void> {
  const siteUserId = body?.user?.id;
  const identities = body?.identities ?? [];
  if (visitor.id === undefined || siteUserId === undefined || identities.length === 0) return;
  const vouched = identities.map((text) => {
    const at = text.indexOf(':');
    return { channel: text.slice(0, at) as (typeof VOUCHABLE)[number], externalId: text.slice(at + 1) };
  });
  try {
    const links = await linkVouchedIdentities(desk, {
      presenter: { channel: 'webchat', externalId: visitor.id, displayName: visitor.name },
      vouched,
      evidence: {
        channel: 'webchat',
        siteUserId,
        identities: [...identities],
        ...(visitor.trustedCaller
          ? { proof: 'secret' as const }
          : { proof: 'signature' as const, expires: body?.expires, signature: body?.signature }),
      },
    });
    for (const link of links) {
      request.log.info(
        { linkId: link.id, survivorId: link.survivorId, mergedId: link.mergedId },
        'Web Chat: linked a visitor to the identities their site vouched for',
      );
    }
  } catch (err) {
    if (!(err instanceof CaredeskError)) throw err;
    request.log.warn({ err }, 'Web Chat: the identities a site vouched for could not be linked now');
  }
}
