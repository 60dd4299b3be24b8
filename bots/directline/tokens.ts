/**
 * Direct Line tokens, minted and checked by caredesk itself: no Azure in
 * between. A token is `cdl1.<payload>.<mac>`: the payload is base64url JSON,
 * the mac base64url HMAC-SHA256 of `cdl1.<payload>` under the desk's token key
 * (random, kept in the store so that tokens survive a restart). A stream token
 * (the WebSocket URL's `t`) is the same with `stream: true` and a short life:
 * a URL can end up in a proxy's log, a bearer token must not.
 *
 * Identified visitors: the company's backend signs `<expires>.<userId>` with
 * WEBCHAT_SECRET (HMAC-SHA256, hex), followed by one line per identity it
 * vouches for on another channel (`\ntelegram:4001`); `expires` (Unix
 * seconds) bounds how long a leaked signature is worth anything. User ids and
 * identities hold no control characters, so the lines cannot be shifted into
 * another claim with the same bytes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const PREFIX = 'cdl1';

/** Direct Line's own figure: Web Chat refreshes every 15 minutes. */
export const TOKEN_LIFETIME_SECONDS = 30 * 60;
/** Long enough to open the WebSocket the answer names. */
export const STREAM_TOKEN_LIFETIME_SECONDS = 2 * 60;
/** A signed user id may not claim a longer life: a company backend signs per page view. */
export const MAX_SIGNATURE_LIFETIME_SECONDS = 24 * 60 * 60;

const TokenPayloadSchema = z.object({
  /** The Direct Line conversation the token opens. */
  conversationId: z.string().min(1).max(128),
  /** The visitor's id on the webchat channel: `anon:<random>` or `user:<the company's id>`. */
  userId: z.string().min(1).max(128),
  userName: z.string().max(256).optional(),
  identified: z.boolean(),
  /** Unix seconds. */
  expires: z.number().int(),
  stream: z.boolean().optional(),
  /** Makes every token unique, even two issued in the same second for the same conversation. */
  nonce: z.string().max(32).optional(),
});
export type TokenPayload = z.infer<typeof TokenPayloadSchema>;

export type TokenCheck =
  | { readonly ok: true; readonly payload: TokenPayload }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
const mac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

/** A new random key for the desk's tokens (32 bytes, base64url). */
export const newTokenKey = (): string => randomBytes(32).toString('base64url');

export class TokenMinter {
  private readonly key: Buffer;

  constructor(key: string) {
    this.key = Buffer.from(key, 'base64url');
  }

  sign(payload: Omit<TokenPayload, 'nonce'>): string {
    const nonce = randomBytes(6).toString('base64url');
    const body = `${PREFIX}.${b64(JSON.stringify({ ...payload, nonce }))}`;
    return `${body}.${b64(mac(this.key, body))}`;
  }

  /** 401: not a token of this desk; 403: a good token that is expired (Web Chat then stops retrying). */
  verify(token: string | undefined, nowSeconds: number, kind: 'bearer' | 'stream'): TokenCheck {
    const parts = token?.split('.') ?? [];
    if (parts.length !== 3 || parts[0] !== PREFIX) {
      return { ok: false, status: 401, reason: 'this is not a caredesk Direct Line token' };
    }
    const [prefix, body, signature] = parts as [string, string, string];
    const expected = mac(this.key, `${prefix}.${body}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, status: 401, reason: 'the token’s signature is not valid' };
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, status: 401, reason: 'the token cannot be read' };
    }
    const parsed = TokenPayloadSchema.safeParse(json);
    if (!parsed.success) return { ok: false, status: 401, reason: 'the token cannot be read' };
    const payload = parsed.data;
    if ((payload.stream === true) !== (kind === 'stream')) {
      return { ok: false, status: 401, reason: `a ${kind === 'stream' ? 'bearer' : 'stream'} token is not valid here` };
    }
    if (payload.expires <= nowSeconds) {
      return {
        ok: false,
        status: 403,
        reason: 'the token has expired; get a new one from /directline/tokens/generate',
      };
    }
    return { ok: true, payload };
  }
}

/**
 * What the company's backend computes: hex HMAC-SHA256 under WEBCHAT_SECRET of
 * `<expires>.<userId>`, then `\n<channel>:<id>` for each identity it vouches
 * for, in the order the page sends them.
 */
export function signUserId(
  secret: string,
  userId: string,
  expires: number,
  identities: readonly string[] = [],
): string {
  return createHmac('sha256', secret)
    .update([`${expires}.${userId}`, ...identities].join('\n'))
    .digest('hex');
}

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function verifyUserSignature(
  secret: string,
  claim: {
    readonly userId: string;
    readonly expires: number;
    readonly signature: string;
    readonly identities?: readonly string[];
  },
  nowSeconds: number,
): SignatureCheck {
  const expected = Buffer.from(signUserId(secret, claim.userId, claim.expires, claim.identities), 'hex');
  const given = Buffer.from(claim.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      reason:
        'the signature does not match the user id, expires and identities sent (signed with another WEBCHAT_SECRET?)',
    };
  }
  if (claim.expires <= nowSeconds) return { ok: false, reason: 'the signed user id has expired; sign it again' };
  if (claim.expires > nowSeconds + MAX_SIGNATURE_LIFETIME_SECONDS) {
    return { ok: false, reason: 'a signed user id may be valid for 24 hours at most; sign it with a nearer expiry' };
  }
  return { ok: true };
}
