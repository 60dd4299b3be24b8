import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerTimeline, EmbeddedStore } from '../../core/index.js';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { CaredeskProcess } from './helpers/caredesk-process.js';

const BIN = fileURLToPath(new URL('../../bin/caredesk.js', import.meta.url));
const token = '5151:LINK-TOKEN';
let emulator: Emulator;
let dataDir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dataDir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-link-'));
});
afterAll(async () => {
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `caredesk chat --server` with the given lines piped in; resolves with what it printed. */
function devChat(server: string, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'chat', '--server', server, '--user', 'grace'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`caredesk chat did not finish: ${out}`));
    }, 30_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

describe('one customer across channels, through the real server', () => {
  it('a Telegram customer links their dev chat identity with a code and ends up with one history', async () => {
    const serve = new CaredeskProcess(['serve', '--data-dir', dataDir], {
      PORT: '0',
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
    });
    let code: string | undefined;
    try {
      const url = await serve.listening();
      const telegram = emulator.server.getClient(token, { userId: 4001, chatId: 4001 });
      await telegram.sendMessage(telegram.makeMessage('my bill is wrong'));
      await telegram.sendMessage(telegram.makeMessage('/link'));
      const codeMessage = await until(() => emulator.botMessages().find((m) => /link code/.test(m.message.text)));
      code = /code is ([A-Z0-9]{8})/.exec(codeMessage.message.text)?.[1];

      const printed = await devChat(url, [`/link ${code}`, 'still wrong on the dev chat']);
      expect(printed).toMatch(/bot> Done: your accounts are linked/);
    } finally {
      serve.child.kill('SIGTERM');
      expect((await serve.exitedWithin()).code).toBe(0);
    }

    const store = new EmbeddedStore(dataDir);
    await store.open();
    try {
      const onTelegram = await store.findCustomerByIdentity('telegram', '4001');
      const onDevChat = await store.findCustomerByIdentity('devchat', 'grace');
      expect(onDevChat?.id).toBe(onTelegram?.id);
      const timeline = await customerTimeline(store, onTelegram?.id ?? '');
      const said = timeline.filter((m) => m.author === 'customer').map((m) => [m.channel, m.text]);
      expect(said).toEqual(
        expect.arrayContaining([
          ['telegram', 'my bill is wrong'],
          ['devchat', `/link ${code}`],
          ['devchat', 'still wrong on the dev chat'],
        ]),
      );
    } finally {
      await store.close();
    }
  });
});
