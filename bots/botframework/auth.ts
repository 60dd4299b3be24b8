/**
 * Who may post activities. With a Microsoft app id, botbuilder validates the
 * channel's JWT; every failure (missing, undecodable, forged, or OpenID
 * metadata out of reach) is a 401, within AUTH_TIMEOUT_MS: offline, botbuilder
 * would otherwise answer 500 or hang (STACK-NOTES). Without an app id (a local
 * trial) only loopback callers are accepted.
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

export async function authorize(
  auth: BotFrameworkAuthentication | undefined,
  activity: unknown,
  header: string | undefined,
  remoteAddress: string | undefined,
): Promise<AuthVerdict> {
  if (!auth) {
    return isLoopback(remoteAddress)
      ? { ok: true }
      : {
          ok: false,
          status: 403,
          message: 'Without MICROSOFT_APP_ID caredesk accepts Bot Framework activities from this machine only.',
        };
  }
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
