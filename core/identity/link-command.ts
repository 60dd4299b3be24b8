/**
 * The `/link` command customers type in any channel. The message is stored
 * like any other (marked pending, see core/pipeline.ts); the command runs
 * right after, since a merge takes both customers' locks, and the flow never
 * sees it.
 */
import { CaredeskError } from '../errors.js';
import type { ParsedInbound } from '../ingest.js';
import { type SystemReplyDeps, sendSystemReply } from '../outbox/system-reply.js';
import type { Locks } from '../util/keyed-mutex.js';
import { issueLinkCode, redeemLinkCode } from './linking.js';

const LINK = /^\/link(?:@\w+)?(?:\s+([A-Za-z0-9-]{4,16}))?\s*$/i;

const say = {
  en: {
    code: (code: string) =>
      `Your link code is ${code}. Within 10 minutes, send "/link ${code}" from your other channel and I will keep one history for you.`,
    linked: 'Done: your accounts are linked, and your conversations are now in one place.',
  },
  it: {
    code: (code: string) =>
      `Il tuo codice è ${code}. Entro 10 minuti invia "/link ${code}" dall'altro canale e terrò un'unica cronologia per te.`,
    linked: 'Fatto: i tuoi account sono collegati e le tue conversazioni sono ora in un unico posto.',
  },
};

/** Whether a message is the command (`/link` or `/link CODE`). */
export const isLinkCommand = (text: string): boolean => LINK.test(text.trim());

export type LinkCommand = Pick<ParsedInbound, 'text' | 'channel' | 'language'> & {
  readonly customerId: string;
  readonly conversationId: string;
};

/** Issues a code (`/link`) or redeems one (`/link CODE`) and tells the customer how it went. */
export async function runLinkCommand(
  deps: SystemReplyDeps & { readonly locks: Locks },
  command: LinkCommand,
): Promise<void> {
  const match = LINK.exec(command.text.trim());
  if (!match) return;
  const customer = await deps.store.getCustomer(command.customerId);
  const lang = (customer?.language ?? command.language)?.startsWith('it') ? say.it : say.en;
  let text: string;
  try {
    if (match[1] === undefined) {
      text = lang.code((await issueLinkCode(deps, command.customerId)).code);
    } else {
      await redeemLinkCode(deps, match[1], command.customerId, command.channel);
      text = lang.linked;
    }
  } catch (err) {
    if (!(err instanceof CaredeskError)) throw err;
    text = err.message;
  }
  await sendSystemReply(deps, command, text);
}
