/**
 * Erasure proven on disk: a real `caredesk serve` on the embedded store, a
 * customer on Telegram (the emulator), `caredesk customers erase` through
 * the running server, a stop, and a byte search of the whole data
 * directory; then a new start whose KPIs still count the erased case.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { addSupervisor, CaredeskProcess, stopServe } from './helpers/caredesk-process.js';
import { adminClient, telegramCustomer } from './helpers/postgres-desk.js';

const token = '7731:ERASURE-DESK';
const SECRET = 'my passport number is ZX-4471-PP';
let root: string;
let dataDir: string;
let emulator: Emulator;
let serve: CaredeskProcess | undefined;
let supervisor: string;

const env = (): Record<string, string> => ({
  PORT: '0',
  CAREDESK_FSYNC: 'false',
  TELEGRAM_BOT_TOKEN: token,
  TELEGRAM_API_ROOT: emulator.apiRoot,
});

async function start(): Promise<string> {
  serve = new CaredeskProcess(['serve', '--data-dir', dataDir], env());
  return serve.listening(20_000);
}

/** Runs a `caredesk …` command to its end, as an operator in a shell. */
async function caredesk(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = new CaredeskProcess(args, { CAREDESK_FSYNC: 'false' });
  const { code } = await run.exitedWithin(60_000);
  return { code, stdout: run.stdout, stderr: run.stderr };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'caredesk-erasure-'));
  dataDir = join(root, 'data');
  emulator = await startEmulator();
  supervisor = await addSupervisor(dataDir);
}, 60_000);
afterAll(async () => {
  await stopServe(serve);
  await emulator?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('erasing a customer on a running desk', () => {
  it('leaves no byte of their text or name in the data directory, and the KPIs still count their case', async () => {
    onTestFailed(() => console.error(`server stdout:\n${serve?.stdout}\nstderr:\n${serve?.stderr}`));
    const url = await start();
    const api = adminClient(url, supervisor);
    const zoltan = telegramCustomer(emulator, token, 7731_02, 'Zoltanius');
    const ada = telegramCustomer(emulator, token, 7731_03, 'Ada');
    await zoltan.say(SECRET);
    await zoltan.receives(/./);
    await ada.say('my router is broken');
    await ada.receives(/./);
    const rowOf = (name: string) =>
      until(async () => {
        const { conversations } = await api('GET', '/conversations?mode=bot,queued,agent,resolved');
        return conversations.find((c: { customer: { displayName?: string } }) => c.customer.displayName === name);
      });
    const row = await rowOf('Zoltanius');
    const customerId: string = row.customer.id;
    await api('POST', `/conversations/${row.id}/resolve`);
    const kpisBefore = (await api('GET', '/kpis?since=1h')).kpis.all;
    expect(kpisBefore.conversations).toBe(2);

    // The operator exports their data from the command line, through the running server…
    const exported = await caredesk(['customers', 'export', customerId, '--data-dir', dataDir]);
    expect(exported.code, exported.stderr).toBe(0);
    const data = JSON.parse(exported.stdout);
    expect(data.customer.identities).toEqual([
      expect.objectContaining({ channel: 'telegram', externalId: String(7731_02) }),
    ]);
    expect(data.conversations[0].messages.map((m: { text: string }) => m.text)).toContain(SECRET);

    // …and erases them.
    const erased = await caredesk([
      'customers',
      'erase',
      customerId,
      '--reason',
      'GDPR request #7 by Zoltanius',
      '--data-dir',
      dataDir,
      '--json',
    ]);
    expect(erased.code, erased.stderr).toBe(0);
    const answer = JSON.parse(erased.stdout);
    expect(answer.customerIds).toEqual([customerId]);
    expect(answer.erased.messages).toBeGreaterThanOrEqual(2);
    expect(answer.event.data.reason).toBe('GDPR request #7 by [erased]');

    // Live: the transcript is there, empty of them.
    const detail = await api('GET', `/conversations/${row.id}`);
    expect(JSON.stringify(detail)).not.toContain('ZX-4471-PP');
    expect(JSON.stringify(detail)).not.toContain('Zoltanius');

    await stopServe(serve);
    serve = undefined;
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.includes('journal'))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const personal of ['ZX-4471-PP', 'passport', 'Zoltanius', `msg:${7731_02}:`, `"${7731_02}"`]) {
        expect(bytes.includes(personal), `${personal} in ${file}`).toBe(false);
      }
    }
    // Ada's case was not touched.
    expect(files.some((f) => readFileSync(f).includes('my router is broken'))).toBe(true);

    const again = adminClient(await start(), supervisor);
    const kpisAfter = (await again('GET', '/kpis?since=1h')).kpis.all;
    expect(kpisAfter.conversations).toBe(kpisBefore.conversations);
    expect(kpisAfter.resolved).toBe(kpisBefore.resolved);
    const audit = await again('GET', '/audit?action=customer.erased');
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ type: 'customer.erased', data: { erasedCustomerId: customerId } });
    expect(JSON.stringify(audit.events)).not.toMatch(/Zoltanius|ZX-4471/);
    // Ada is still herself.
    expect((await rowOfOn(again, 'Ada')).customer.displayName).toBe('Ada');
  }, 120_000);
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely here
function rowOfOn(api: ReturnType<typeof adminClient>, name: string): Promise<any> {
  return until(async () => {
    const { conversations } = await api('GET', '/conversations?mode=bot,queued,agent,resolved');
    return conversations.find((c: { customer: { displayName?: string } }) => c.customer.displayName === name);
  });
}
