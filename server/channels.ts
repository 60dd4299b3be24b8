/**
 * The channels a configuration enables, and the outbox dispatcher that
 * delivers through them. A channel's library is imported only when the
 * channel is enabled (botbuilder alone takes ~0.9 s to load).
 */
import type { ChannelSender, Desk, Logger } from '../core/index.js';
import { OutboxDelivery } from '../core/index.js';
import type { ServerPlugin } from './app.js';
import type { Config } from './config.js';

export interface Channels {
  readonly plugins: readonly ServerPlugin[];
  /** Starts receiving and delivering (after the HTTP server listens). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface EnabledChannel {
  readonly senders: readonly ChannelSender[];
  readonly routes?: ServerPlugin;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function enabledChannels(config: Config, desk: Desk, logger: Logger): Promise<Channels> {
  const channels: EnabledChannel[] = [];
  const { telegram } = config;
  if (telegram.botToken) {
    const { telegramChannel } = await import('../bots/telegram/index.js');
    const channel = telegramChannel(
      desk,
      {
        botToken: telegram.botToken,
        apiRoot: telegram.apiRoot,
        webhookUrl: telegram.webhookUrl,
        webhookSecret: telegram.webhookSecret,
      },
      logger,
    );
    channels.push({ ...channel, senders: [channel.sender], routes: (app) => channel.routes(app) });
  }
  // Always on: with MICROSOFT_APP_ID for Azure Bot channels, without it for this machine only (caredesk chat).
  const { botframeworkChannel } = await import('../bots/botframework/index.js');
  const microsoft = config.microsoft;
  const botframework = botframeworkChannel(
    desk,
    {
      appId: microsoft.appId,
      appPassword: microsoft.appPassword,
      appTenantId: microsoft.appTenantId,
      appType: microsoft.appType,
      serviceUrlHosts: microsoft.serviceUrlHosts,
    },
    logger,
  );
  channels.push({ ...botframework, routes: (app) => botframework.routes(app) });
  // Web Chat over caredesk's own Direct Line; on unless WEBCHAT_ENABLED=false (docs/webchat.md).
  if (config.webchat.enabled) {
    const { directLineChannel } = await import('../bots/directline/index.js');
    const webchat = directLineChannel(
      desk,
      { allowedOrigins: config.webchat.allowedOrigins, secret: config.webchat.secret },
      logger,
    );
    channels.push({ ...webchat, senders: [webchat.sender], routes: (app) => webchat.routes(app) });
  }
  const dispatcher = new OutboxDelivery(
    desk,
    channels.flatMap((c) => c.senders),
    { sendTimeoutMs: config.replies.timeoutMs, giveUpAfterMs: config.replies.giveUpAfterMs },
  );
  return {
    plugins: channels.flatMap((c) => (c.routes ? [c.routes] : [])),
    async start() {
      dispatcher.start();
      for (const c of channels) await c.start();
    },
    async stop() {
      for (const c of channels) await c.stop();
      await dispatcher.stop();
    },
  };
}
