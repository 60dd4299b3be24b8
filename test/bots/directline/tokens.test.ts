/**
 * Direct Line tokens and identified visitors' signatures, as pure functions:
 * what a token opens, when it stops working, and what a forger cannot do.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signUserId, TokenMinter, verifyUserSignature } from '../../../bots/directline/index.js';

const now = 1_800_000_000;
const minter = new TokenMinter('a'.repeat(43));
const payload = { conversationId: 'dl_1', userId: 'anon:x', identified: false, expires: now + 60 };

describe('Direct Line tokens', () => {
  it('a token opens the conversation it was issued for until it expires; then it is 403, as Web Chat expects', () => {
    const token = minter.sign(payload);
    expect(minter.verify(token, now, 'bearer')).toMatchObject({ ok: true, payload: { conversationId: 'dl_1' } });
    expect(minter.verify(token, now + 60, 'bearer')).toMatchObject({ ok: false, status: 403 });
    expect(minter.sign(payload)).not.toBe(token);
  });

  it('another desk’s token, a changed payload or a stream token used as bearer is 401', () => {
    const token = minter.sign(payload);
    expect(new TokenMinter('b'.repeat(43)).verify(token, now, 'bearer')).toMatchObject({ ok: false, status: 401 });
    const [prefix, , mac] = token.split('.');
    const changed = Buffer.from(JSON.stringify({ ...payload, conversationId: 'dl_2' })).toString('base64url');
    expect(minter.verify(`${prefix}.${changed}.${mac}`, now, 'bearer')).toMatchObject({ ok: false, status: 401 });
    const stream = minter.sign({ ...payload, stream: true });
    expect(minter.verify(stream, now, 'bearer')).toMatchObject({ ok: false, status: 401 });
    expect(minter.verify(stream, now, 'stream')).toMatchObject({ ok: true });
    expect(minter.verify(undefined, now, 'bearer')).toMatchObject({ ok: false, status: 401 });
  });
});

describe('identified visitors', () => {
  const secret = 's'.repeat(32);

  it('the signature is hex HMAC-SHA256 of "<expires>.<userId>" under WEBCHAT_SECRET, as docs/webchat.md says', () => {
    const expected = createHmac('sha256', secret)
      .update(`${now + 600}.u-42`)
      .digest('hex');
    expect(signUserId(secret, 'u-42', now + 600)).toBe(expected);
    expect(verifyUserSignature(secret, { userId: 'u-42', expires: now + 600, signature: expected }, now)).toEqual({
      ok: true,
    });
  });

  it('with identities, each is a line after "<expires>.<userId>", and the signature covers them', () => {
    const identities = ['telegram:4001', 'botframework:29:1abc'];
    const expected = createHmac('sha256', secret)
      .update(`${now + 600}.u-42\ntelegram:4001\nbotframework:29:1abc`)
      .digest('hex');
    expect(signUserId(secret, 'u-42', now + 600, identities)).toBe(expected);
    const check = (ids: string[] | undefined) =>
      verifyUserSignature(secret, { userId: 'u-42', expires: now + 600, signature: expected, identities: ids }, now).ok;
    expect(check(identities)).toBe(true);
    expect(check(['telegram:4002', 'botframework:29:1abc'])).toBe(false);
    expect(check(['telegram:4001'])).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(check([...identities].reverse())).toBe(false);
  });

  it('a forged, re-targeted, expired or too long-lived signature is refused', () => {
    const good = signUserId(secret, 'u-42', now + 600);
    const check = (userId: string, expires: number, signature: string) =>
      verifyUserSignature(secret, { userId, expires, signature }, now).ok;
    expect(check('u-42', now + 600, signUserId('f'.repeat(32), 'u-42', now + 600))).toBe(false);
    expect(check('u-1', now + 600, good)).toBe(false);
    expect(check('u-42', now + 601, good)).toBe(false);
    expect(check('u-42', now - 1, signUserId(secret, 'u-42', now - 1))).toBe(false);
    expect(check('u-42', now + 90_000, signUserId(secret, 'u-42', now + 90_000))).toBe(false);
    expect(check('u-42', now + 600, 'zz')).toBe(false);
  });
});
