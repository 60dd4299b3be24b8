/**
 * A team edits the care bot's knowledge base while caredesk runs: after
 * SIGHUP the bot answers from the new articles; an invalid file is refused
 * and the bot goes on with the articles it had.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { CaredeskProcess, stopServe } from './helpers/caredesk-process.js';

const SHIPPED = fileURLToPath(new URL('../../flows/care/knowledge', import.meta.url));
const token = '4646:KB-RELOAD';
let emulator: Emulator | undefined;
let serve: CaredeskProcess | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await stopServe(serve);
  await emulator?.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ESIM = {
  id: 'en-esim-watch',
  topic: 'sim',
  tags: ['esim', 'smartwatch'],
  title: 'Put your number on a smartwatch',
  body: 'Open the app, go to SIM > Smartwatch and scan the code your watch shows. The watch shares your number.',
  questions: ['Can my smartwatch share my phone number?', 'How do I set up my watch with an eSIM?'],
  synonyms: ['watch', 'smartwatch'],
};

describe('the care bot’s knowledge base, edited while caredesk runs', () => {
  it('SIGHUP reloads it: a new article is answered; an invalid file is refused and the old articles stay', async () => {
    emulator = await startEmulator();
    const root = mkdtempSync(join(tmpdir(), 'caredesk-kb-reload-'));
    dirs.push(root);
    const kb = join(root, 'knowledge');
    cpSync(SHIPPED, kb, { recursive: true });
    serve = new CaredeskProcess(['serve', '--data-dir', join(root, 'data')], {
      PORT: '0',
      CAREDESK_FSYNC: 'false',
      CAREDESK_KNOWLEDGE_DIR: kb,
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
    });
    await serve.listening();
    const em = emulator;
    const ask = async (user: number, text: string): Promise<string[]> => {
      const client = em.server.getClient(token, { userId: user, chatId: user });
      await client.sendMessage(client.makeMessage(text));
      const texts = () =>
        em
          .botMessages()
          .filter((m) => String(m.message.chat_id) === String(user))
          // With the buttons: a question the bot is unsure of lists the likely articles as buttons.
          .map((m) => `${m.message.text} ${JSON.stringify(m.message.reply_markup ?? '')}`);
      // The bot's whole answer: its messages, once no more come for a moment.
      let seen = 0;
      return until(async () => {
        const now = texts();
        if (now.length > 0 && now.length === seen) return now;
        seen = now.length;
        await new Promise((r) => setTimeout(r, 700));
        return undefined;
      });
    };

    const before = await ask(701, 'How do I set up my watch with an eSIM?');
    expect(before.join('\n')).not.toContain('Put your number on a smartwatch');

    const file = join(kb, 'en.json');
    const articles = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
    writeFileSync(file, JSON.stringify([...articles, ESIM]));
    serve.child.kill('SIGHUP');
    await until(() => (serve?.stdout.includes('care knowledge base reloaded') ? true : undefined));
    const after = await ask(702, 'How do I set up my watch with an eSIM?');
    expect(after.join('\n'), after.join('\n')).toContain('Put your number on a smartwatch');

    // A broken file: refused, said in the log, and the bot still knows the new article.
    writeFileSync(file, '[{"id": "Not An Id"');
    serve.child.kill('SIGHUP');
    await until(() => (serve?.stdout.includes('care knowledge base not reloaded') ? true : undefined));
    const still = await ask(703, 'Can my smartwatch share my phone number?');
    expect(still.join('\n')).toContain('Put your number on a smartwatch');
  }, 60_000);
});
