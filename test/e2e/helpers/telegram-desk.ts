/**
 * A caredesk server in this process with Telegram on (the emulator), on a
 * temporary data directory: the set-up of the end-to-end tests that act as
 * agents through the server's handle. `stop()` removes everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig, type ServerHandle, startServer } from '../../../server/index.js';
import { type Emulator, startEmulator } from '../../bots/telegram/emulator.js';

export interface TelegramDesk {
  readonly emulator: Emulator;
  readonly server: ServerHandle;
  stop(): Promise<void>;
}

export async function telegramDesk(token: string): Promise<TelegramDesk> {
  const emulator = await startEmulator();
  const dataDir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    CAREDESK_DATA_DIR: join(dataDir, 'data'),
    CAREDESK_FSYNC: 'false',
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
  });
  const server = await startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
  return {
    emulator,
    server,
    async stop() {
      await server.close();
      await emulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
