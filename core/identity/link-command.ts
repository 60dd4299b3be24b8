/**
 * The `/link` command customers type in any channel. It is handled before
 * the flow sees the message (the message itself is stored like any other).
 */
import type { Desk, StoredIngest } from '../desk.js';
import { CaredeskError } from '../errors.js';
import { sendSystemReply } from '../system-reply.js';
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

/** Handles `/link` and `/link CODE`; returns false for any other message. */
export async function handleLinkCommand(desk: Desk, stored: StoredIngest): Promise<boolean> {
  const match = LINK.exec(stored.message.text.trim());
  if (!match) return false;
  const lang = stored.customer.language?.startsWith('it') ? say.it : say.en;
  let text: string;
  try {
    if (match[1] === undefined) {
      text = lang.code((await issueLinkCode(desk, stored.customer.id)).code);
    } else {
      await redeemLinkCode(desk, match[1], stored.customer.id, stored.message.channel);
      text = lang.linked;
    }
  } catch (err) {
    if (!(err instanceof CaredeskError)) throw err;
    text = err.message;
  }
  await sendSystemReply(desk, stored, text);
  return true;
}
/** Anything but the command goes on to the flow. */
handleLinkCommand.passes = (stored: StoredIngest): boolean => !LINK.test(stored.message.text.trim());
