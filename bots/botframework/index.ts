/**
 * The Bot Framework channel (Teams, Web Chat, Slack, Facebook… through an
 * Azure Bot registration, and the local dev chat): `POST /api/messages` in,
 * proactive sends out. botbuilder is imported only when first needed (it takes
 * ~0.9 s to load) and its types never leave this folder.
 */
import type { CloudAdapter } from 'botbuilder';
import type { BotFrameworkAuthentication } from 'botframework-connector';
import type { FastifyInstance } from 'fastify';
import { type Desk, ForbiddenError, InvalidInputError, type Logger, UnauthorizedError } from '../../core/index.js';
import { normalizeActivity } from './activity.js';
import { authorize, relayHeaderOf } from './auth.js';
import { BotFrameworkSender } from './sender.js';
import { serviceUrlPolicy } from './service-url.js';

export { ActivitySchema, CONVERSATION_START, channelOf, MAX_ACTIVITY_DEPTH, normalizeActivity } from './activity.js';
export { isLoopback } from './auth.js';
export { outcomeOf } from './sender.js';
export { CHANNEL_HOSTS, type ServiceUrlPolicy, serviceUrlPolicy } from './service-url.js';

export const BOTFRAMEWORK_PATH = '/api/messages';

export interface BotFrameworkOptions {
  readonly appId?: string;
  readonly appPassword?: string;
  readonly appTenantId?: string;
  readonly appType?: string;
  /** BOTFRAMEWORK_SERVICE_URL_HOSTS: hosts replies may go to besides the defaults (service-url.ts). */
  readonly serviceUrlHosts?: readonly string[];
}

export interface BotFrameworkChannel {
  /** One sender per core channel this adapter serves (botframework and devchat). */
  readonly senders: readonly BotFrameworkSender[];
  readonly routes: (app: FastifyInstance) => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function botframeworkChannel(desk: Desk, options: BotFrameworkOptions, logger: Logger): BotFrameworkChannel {
  const withCredentials = Boolean(options.appId);
  const serviceUrlRefusal = serviceUrlPolicy({ withCredentials, extraHosts: options.serviceUrlHosts });
  let loaded: Promise<{ adapter: CloudAdapter; auth: BotFrameworkAuthentication }> | undefined;
  const load = () => {
    loaded ??= (async () => {
      const { CloudAdapter, ConfigurationBotFrameworkAuthentication } = await import('botbuilder');
      const auth = new ConfigurationBotFrameworkAuthentication({
        MicrosoftAppId: options.appId,
        MicrosoftAppPassword: options.appPassword,
        MicrosoftAppTenantId: options.appTenantId,
        MicrosoftAppType: options.appType,
      } as ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[0]);
      const adapter = new CloudAdapter(auth);
      adapter.onTurnError = async (_context, err) => {
        logger.warn({ err }, 'Bot Framework turn error');
      };
      return { adapter, auth };
    })();
    return loaded;
  };
  const adapter = async () => (await load()).adapter;
  const appId = options.appId ?? '';
  return {
    senders: [
      new BotFrameworkSender('botframework', adapter, appId, serviceUrlRefusal, desk.store),
      new BotFrameworkSender('devchat', adapter, appId, serviceUrlRefusal, desk.store),
    ],
    routes: (app) => {
      app.post(BOTFRAMEWORK_PATH, async (request, reply) => {
        const auth = withCredentials ? (await load()).auth : undefined;
        const verdict = await authorize(auth, request.body, {
          authorization: typeof request.headers.authorization === 'string' ? request.headers.authorization : undefined,
          remoteAddress: request.socket.remoteAddress,
          relayHeader: relayHeaderOf(request.headers),
        });
        if (!verdict.ok) {
          throw verdict.status === 401 ? new UnauthorizedError(verdict.message) : new ForbiddenError(verdict.message);
        }
        const normalized = normalizeActivity(request.body, serviceUrlRefusal);
        if (normalized.kind === 'invalid') {
          throw new InvalidInputError(`This is not a Bot Framework activity caredesk can read (${normalized.reason}).`);
        }
        if (normalized.kind === 'ignored') {
          logger.debug({ channel: 'botframework', reason: normalized.reason }, 'activity ignored');
          return reply.code(200).send({});
        }
        await desk.receive(normalized.inbound);
        return reply.code(200).send({});
      });
    },
    async start() {
      if (withCredentials) {
        logger.info(
          { channel: 'botframework', appId },
          `Bot Framework: ${BOTFRAMEWORK_PATH}, tokens checked for app ${appId}`,
        );
      } else {
        logger.warn(
          { channel: 'botframework' },
          `Bot Framework: ${BOTFRAMEWORK_PATH} without MICROSOFT_APP_ID — accepting activities from this machine only (local trial, caredesk chat)`,
        );
      }
    },
    async stop() {},
  };
}
