/**
 * The Telegram Bot API emulator (telegram-test-api) on a free loopback port,
 * with a look at what the bot sent (its own client's getUpdates swallows
 * replies after a timeout; see STACK-NOTES).
 */
import { type AddressInfo, createServer } from 'node:net';
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

/** A port the OS just handed out, so parallel test files do not collide. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

// The emulator treats port 0 as "use 9000", so ask the OS for a free port first;
// another process may take it in between, hence a few tries.
export async function startEmulator(): Promise<Emulator> {
  for (let attempt = 1; ; attempt++) {
    const server = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
    try {
      await server.start();
    } catch (err) {
      if (attempt < 5 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
      throw err;
    }
    const internals = server as unknown as {
      config: { apiURL: string; port: number };
      storage: { botMessages: BotMessage[] };
    };
    const apiRoot = `http://127.0.0.1:${internals.config.port}`;
    return {
      server,
      apiRoot,
      botMessages: () => internals.storage.botMessages,
      stop: async () => {
        await server.stop();
      },
    };
  }
}
