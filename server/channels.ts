/**
 * The channels a configuration enables, and the outbox dispatcher that
 * delivers through them. A channel's library is imported only when the
 * channel is enabled (botbuilder alone takes ~0.9 s to load).
 */
import { randomUUID } from 'node:crypto';
import type { ChannelSender, Desk, Logger } from '../core/index.js';
import { OUTBOX_STALE_MS, OutboxDelivery } from '../core/index.js';
import { viewerChangesOf } from './admin/viewers.js';
import type { ServerPlugin } from './app.js';
import type { Config } from './config.js';

export interface Channels {
  readonly plugins: readonly ServerPlugin[];
  /** Starts receiving (after the HTTP server listens). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * The channels' duties, done by one process of the desk at a time (all of
   * them when it is alone): long polling Telegram and delivering the outbox;
   * with several processes each delivers the replies of its own commits, and
   * the duty holder sweeps for the replies of a process that died.
   */
  startDuties(): Promise<void>;
  /** `handover`: another process goes on, so replies already sent wait for their records (see OutboxDelivery.stop). */
  stopDuties(options?: { readonly handover?: boolean }): Promise<void>;
  /**
   * With several processes: how many share the desk now. A channel's limits
   * are the desk's, so each process sends at its share of them.
   */
  shareLimits(processes: number): void;
}

interface EnabledChannel {
  readonly senders: readonly ChannelSender[];
  shareLimits?(processes: number): void;
  readonly routes?: ServerPlugin;
  start(): Promise<void>;
  stop(): Promise<void>;
  startDuties?(): Promise<void>;
  stopDuties?(): Promise<void>;
}

export async function enabledChannels(
  config: Config,
  desk: Desk,
  logger: Logger,
  options: { readonly shared?: boolean } = {},
): Promise<Channels> {
  const channels: EnabledChannel[] = [];
  const { telegram } = config;
  if (telegram.botToken) {
    const { telegramChannel, TELEGRAM_LIMITS } = await import('../bots/telegram/index.js');
    const channel = telegramChannel(
      desk,
      {
        botToken: telegram.botToken,
        apiRoot: telegram.apiRoot,
        webhookUrl: telegram.webhookUrl,
        webhookSecret: telegram.webhookSecret,
        limits: {
          globalPerSecond: telegram.ratePerSecond,
          perChatPerSecond: telegram.chatRatePerSecond,
          perChatBurst: TELEGRAM_LIMITS.perChatBurst,
        },
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
      {
        allowedOrigins: config.webchat.allowedOrigins,
        secret: config.webchat.secret,
        // The assignee typing in the TUI shows in the widget.
        agentActivity: viewerChangesOf(desk),
      },
      logger,
    );
    channels.push({ ...webchat, senders: [webchat.sender], routes: (app) => webchat.routes(app) });
  }
  const shared = options.shared === true;
  const dispatcher = new OutboxDelivery(
    desk,
    channels.flatMap((c) => c.senders),
    {
      sendTimeoutMs: config.replies.timeoutMs,
      giveUpAfterMs: config.replies.giveUpAfterMs,
      // With several processes on one database, each send claims its entry (OUTBOX_CLAIM_MS); the claimant
      // is this run of the process, so that two processes given the same name never take each other's claims.
      claimant: `${config.processName}:${randomUUID().slice(0, 8)}`,
      // Shared: each process delivers what its own commits queued.
      shared,
    },
  );
  return {
    plugins: channels.flatMap((c) => (c.routes ? [c.routes] : [])),
    async start() {
      for (const c of channels) await c.start();
      if (shared) dispatcher.start();
    },
    async stop() {
      for (const c of channels) await c.stop();
      await dispatcher.stop();
    },
    async startDuties() {
      if (shared) dispatcher.sweepEvery(OUTBOX_STALE_MS);
      else dispatcher.start();
      for (const c of channels) await c.startDuties?.();
    },
    async stopDuties(options = {}) {
      for (const c of channels) await c.stopDuties?.();
      if (shared) dispatcher.sweepEvery(undefined);
      else await dispatcher.stop(options);
    },
    shareLimits(processes) {
      for (const c of channels) c.shareLimits?.(processes);
    },
  };
}
