/**
 * `caredesk backup` of a desk under load: customers keep writing on Telegram
 * (the emulator) while the running server copies its data directory; the
 * copy, started as a desk of its own, has every transcript as it was at the
 * backup point — what came before complete, nothing torn.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { addSupervisor, CaredeskProcess, stopServe } from './helpers/caredesk-process.js';
import { adminClient, telegramCustomer } from './helpers/postgres-desk.js';

const token = '7741:BACKUP-DESK';
let root: string;
let dataDir: string;
let emulator: Emulator;
const servers: CaredeskProcess[] = [];
let supervisor: string;

function serveOn(dir: string): CaredeskProcess {
  const serve = new CaredeskProcess(['serve', '--data-dir', dir], {
    PORT: '0',
    CAREDESK_FSYNC: 'false',
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
  });
  servers.push(serve);
  return serve;
}

async function caredesk(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = new CaredeskProcess(args, { CAREDESK_FSYNC: 'false' });
  const { code } = await run.exitedWithin(60_000);
  return { code, stdout: run.stdout, stderr: run.stderr };
}

type Transcripts = Map<string, string[]>;

/** Every conversation's messages, as `author: text`, read through the admin API. */
async function transcripts(api: ReturnType<typeof adminClient>): Promise<Transcripts> {
  const out: Transcripts = new Map();
  const { conversations } = await api('GET', '/conversations?mode=bot,queued,agent,resolved&limit=1000');
  for (const c of conversations as Array<{ id: string }>) {
    const detail = await api('GET', `/conversations/${c.id}`);
    out.set(
      c.id,
      (detail.messages as Array<{ id: string; author: string; text: string }>).map(
        (m) => `${m.id} ${m.author}: ${m.text}`,
      ),
    );
  }
  return out;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'caredesk-backup-'));
  dataDir = join(root, 'data');
  emulator = await startEmulator();
  supervisor = await addSupervisor(dataDir);
}, 60_000);
afterAll(async () => {
  for (const s of servers) await stopServe(s);
  await emulator?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('caredesk backup', () => {
  it('copies a desk under load; the copy, restored, has every transcript as it was at the backup point', async () => {
    const serve = serveOn(dataDir);
    onTestFailed(() => console.error(`server stdout:\n${serve.stdout}\nstderr:\n${serve.stderr}`));
    const api = adminClient(await serve.listening(20_000), supervisor);
    const customers = Array.from({ length: 4 }, (_, i) => telegramCustomer(emulator, token, 7741_10 + i, `Load${i}`));
    for (const [i, c] of customers.entries()) {
      await c.say(`hello from customer ${i}`);
      await c.receives(/./);
    }

    // Customers keep writing while the backup runs.
    let load = true;
    let sent = 0;
    const writing = Promise.all(
      customers.map(async (c, i) => {
        while (load) {
          await c.say(`message ${++sent} from ${i}`);
          await new Promise((r) => setImmediate(r));
        }
      }),
    );
    await until(() => (sent >= 20 ? true : undefined), 20_000);
    const before = await transcripts(api);
    const copy = join(root, 'copy');
    const backup = await caredesk(['backup', copy, '--data-dir', dataDir, '--json']);
    const sentAtBackup = sent;
    await until(() => (sent >= sentAtBackup + 20 ? true : undefined), 20_000);
    load = false;
    await writing;
    expect(backup.code, backup.stderr).toBe(0);
    expect(JSON.parse(backup.stdout)).toMatchObject({ dir: copy, bytes: expect.any(Number) });

    // Wait until the server has stored everything sent, then read the original's transcripts.
    await until(async () => {
      const all = [...(await transcripts(api)).values()].flat();
      return all.filter((l) => / customer: message \d+ from/.test(l)).length === sent ? true : undefined;
    }, 30_000);
    const after = await transcripts(api);

    const restored = serveOn(copy);
    const restoredApi = adminClient(await restored.listening(20_000), supervisor);
    const fromCopy = await transcripts(restoredApi);
    await stopServe(restored);

    expect([...fromCopy.keys()].sort()).toEqual([...after.keys()].sort());
    for (const [id, lines] of fromCopy) {
      const original = after.get(id) as string[];
      // The copy is the original as of one moment: each transcript a prefix of today's, none torn…
      expect(lines).toEqual(original.slice(0, lines.length));
      // …and everything stored before the backup started is in it.
      expect(lines.length).toBeGreaterThanOrEqual(before.get(id)?.length ?? 0);
    }
    // The load went on while it copied: the original has more than the copy.
    const count = (t: Transcripts) => [...t.values()].flat().length;
    expect(count(after)).toBeGreaterThan(count(fromCopy));
  }, 120_000);

  it('copies a stopped desk from the store itself, exactly, and refuses a directory that is not empty', async () => {
    for (const s of servers.splice(0)) await stopServe(s);
    const copy = join(root, 'cold');
    const cold = await caredesk(['backup', copy, '--data-dir', dataDir]);
    expect(cold.code, cold.stderr).toBe(0);
    expect(cold.stdout).toContain(`to ${copy}`);

    const original = serveOn(dataDir);
    const a = await transcripts(adminClient(await original.listening(20_000), supervisor));
    await stopServe(original);
    const restored = serveOn(copy);
    const b = await transcripts(adminClient(await restored.listening(20_000), supervisor));
    await stopServe(restored);
    expect(b).toEqual(a);

    const busy = join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    const refused = await caredesk(['backup', busy, '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not empty');
  }, 120_000);
});
