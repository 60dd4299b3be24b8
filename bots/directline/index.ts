/**
 * The Web Chat channel: caredesk serves Direct Line 3.0 itself (`/directline`),
 * so Microsoft's Web Chat widget on a company's site talks to the desk with no
 * Azure service in between, plus a demo page (`/webchat/`). Visitors are the
 * core channel `webchat`; what they post is read by the Bot Framework
 * channel's own reader, replies leave through the outbox into the
 * conversation's transcript (kept in the store) and its WebSockets.
 */
import type { FastifyInstance } from 'fastify';
import type { Desk, Logger } from '../../core/index.js';
import { demoPageRoutes, WEBCHAT_PAGE_PATH } from './demo-page.js';
import { DEFAULT_LIMITS, type DirectLineLimits } from './limits.js';
import { DIRECTLINE_PATH, directLineRoutes } from './routes.js';
import { DirectLineSender } from './sender.js';
import { directLineStream } from './stream.js';
import { newTokenKey, TokenMinter } from './tokens.js';
import { Transcripts } from './transcript.js';
import { type AgentActivitySource, AgentTyping } from './typing.js';

export { BOT_ACCOUNT, type WebchatReplyContext } from './activity.js';
export { DEFAULT_LIMITS, type DirectLineLimits, SlidingWindow, TokenBuckets } from './limits.js';
export {
  MAX_SIGNATURE_LIFETIME_SECONDS,
  STREAM_TOKEN_LIFETIME_SECONDS,
  signUserId,
  TOKEN_LIFETIME_SECONDS,
  TokenMinter,
  verifyUserSignature,
} from './tokens.js';
export type { DirectLineActivity } from './transcript.js';
export { type AgentActivitySource, TYPING_REPEAT_MS } from './typing.js';
export { DIRECTLINE_PATH, WEBCHAT_PAGE_PATH };

export interface DirectLineOptions {
  /** WEBCHAT_ALLOWED_ORIGINS: pages that may embed the widget besides caredesk's own. */
  readonly allowedOrigins?: readonly string[];
  /** WEBCHAT_SECRET: signs identified visitors' user ids. */
  readonly secret?: string;
  readonly limits?: Partial<DirectLineLimits>;
  /** What agents do in each conversation (the admin API's viewers): the assignee's typing shows in the widget. */
  readonly agentActivity?: AgentActivitySource;
}

export interface DirectLineChannel {
  readonly sender: DirectLineSender;
  readonly routes: (app: FastifyInstance) => Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Where the desk keeps the key its tokens are signed with (made on first use; tokens then survive a restart). */
const KEYS = 'directline.keys';

export function directLineChannel(desk: Desk, options: DirectLineOptions, logger: Logger): DirectLineChannel {
  const transcripts = new Transcripts(desk.store, desk.locks, desk.clock, desk.live);
  let minting: Promise<TokenMinter> | undefined;
  const minter = (): Promise<TokenMinter> => {
    minting ??= (async () => {
      const stored = await desk.store.getRecord(KEYS, 'token');
      if (typeof stored === 'string') return new TokenMinter(stored);
      const key = newTokenKey();
      await desk.store.commit({ records: [{ collection: KEYS, id: 'token', value: key }] });
      return new TokenMinter(key);
    })();
    // A store that failed once is asked again on the next request.
    minting.catch(() => {
      minting = undefined;
    });
    return minting;
  };
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const typing = options.agentActivity && new AgentTyping(desk, transcripts, options.agentActivity, logger);
  return {
    sender: new DirectLineSender(transcripts),
    routes: async (app) => {
      directLineRoutes(app, {
        desk,
        transcripts,
        minter,
        allowedOrigins: options.allowedOrigins ?? [],
        secret: options.secret,
        limits,
      });
      await directLineStream(app, { desk, transcripts, minter });
      demoPageRoutes(app);
    },
    // The token key is made on the first token request, not here: a desk nobody chats on is not written to.
    async start() {
      logger.info(
        { channel: 'webchat', allowedOrigins: options.allowedOrigins ?? [], identified: options.secret !== undefined },
        `Web Chat: Direct Line at ${DIRECTLINE_PATH}, demo page at ${WEBCHAT_PAGE_PATH}`,
      );
      typing?.start();
    },
    async stop() {
      typing?.stop();
    },
  };
}
