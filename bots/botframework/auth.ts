/**
 * Who may post activities. With a Microsoft app id, botbuilder validates the
 * channel's JWT; every failure (missing, undecodable, forged, or OpenID
 * metadata out of reach) is a 401, within AUTH_TIMEOUT_MS: offline, botbuilder
 * would otherwise answer 500 or hang (STACK-NOTES). Without an app id (a local
 * trial) only callers on this machine are accepted: a loopback address, and
 * no forwarding header — a reverse proxy on this machine relays for others.
 */
import type { BotFrameworkAuthentication } from 'botframework-connector';

export const AUTH_TIMEOUT_MS = 5_000;

export type AuthVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address);
}

/** Headers a proxy adds when it relays a request for someone else. */
const RELAY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

/** The forwarding header a request carries (it was relayed), or undefined. */
export function relayHeaderOf(headers: Readonly<Record<string, unknown>>): string | undefined {
  return RELAY_HEADERS.find((h) => headers[h] !== undefined);
}

/** Who is calling, as the HTTP layer saw it. */
export interface Caller {
  readonly authorization: string | undefined;
  readonly remoteAddress: string | undefined;
  /** A forwarding header the request carried (see relayHeaderOf). */
  readonly relayHeader: string | undefined;
}

export async function authorize(
  auth: BotFrameworkAuthentication | undefined,
  activity: unknown,
  caller: Caller,
): Promise<AuthVerdict> {
  if (!auth) {
    if (caller.relayHeader !== undefined) {
      return {
        ok: false,
        status: 403,
        message: `This request was relayed by a proxy (it carries ${caller.relayHeader}). Without MICROSOFT_APP_ID caredesk accepts Bot Framework activities from this machine only, directly; set MICROSOFT_APP_ID to take them from a channel (docs/botframework.md).`,
      };
    }
    return isLoopback(caller.remoteAddress)
      ? { ok: true }
      : {
          ok: false,
          status: 403,
          message: 'Without MICROSOFT_APP_ID caredesk accepts Bot Framework activities from this machine only.',
        };
  }
  const header = caller.authorization;
  if (!header?.startsWith('Bearer ')) return { ok: false, status: 401, message: 'A Bearer token is required.' };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      // biome-ignore lint/suspicious/noExplicitAny: botbuilder's Activity type stays inside this folder
      auth.authenticateRequest(activity as any, header),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('token validation timed out')), AUTH_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch {
    return { ok: false, status: 401, message: 'The token is not valid for this bot.' };
  } finally {
    clearTimeout(timer);
  }
}
