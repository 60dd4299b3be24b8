/**
 * The Telegram Bot API emulator (telegram-test-api) on a free loopback port,
 * with a look at what the bot sent (its own client's getUpdates swallows
 * replies after a timeout; see STACK-NOTES).
 */
import type { AddressInfo } from 'node:net';
import * as emulator from 'telegram-test-api';
import type { TelegramServer as Server } from 'telegram-test-api/lib/telegramServer.js';

type ServerClass = new (config: { port: number; host: string; storeTimeout: number }) => Server;
// A CommonJS module whose default export is the class: unwrap whichever shape the loader gives.
const loaded = emulator as unknown as { default: ServerClass | { default: ServerClass } };
const TelegramServer: ServerClass = 'default' in loaded.default ? loaded.default.default : loaded.default;

export interface BotMessage {
  readonly message: { chat_id: string | number; text: string; reply_markup?: unknown };
}

export interface Emulator {
  readonly server: Server;
  readonly apiRoot: string;
  botMessages(): BotMessage[];
  stop(): Promise<void>;
}

export async function startEmulator(): Promise<Emulator> {
  const server = new TelegramServer({ port: 0, host: '127.0.0.1', storeTimeout: 60 });
  await server.start();
  const internals = server as unknown as {
    server: { address(): AddressInfo };
    config: { apiURL: string };
    storage: { botMessages: BotMessage[] };
  };
  const apiRoot = `http://127.0.0.1:${internals.server.address().port}`;
  internals.config.apiURL = apiRoot; // it computed the URL from port 0
  return {
    server,
    apiRoot,
    botMessages: () => internals.storage.botMessages,
    stop: async () => {
      await server.stop();
    },
  };
}
