/**
 * The set-up of the end-to-end tests on PostgreSQL: real `caredesk serve`
 * processes on a test database (CAREDESK_STORE=postgres), customers on the
 * Telegram emulator, and a look into the database from the test's side.
 */
import { PostgresStore } from '../../../core/store/postgres/index.js';
import type { Emulator } from '../../bots/telegram/emulator.js';
import { until } from '../../bots/telegram/helpers.js';
import { CaredeskProcess } from './caredesk-process.js';

/** The environment of a server on `databaseUrl`: a small pool, fsync off (a crash of caredesk is tested, not one of PostgreSQL). */
export function postgresEnv(databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    CAREDESK_STORE: 'postgres',
    DATABASE_URL: databaseUrl,
    CAREDESK_DATABASE_POOL_SIZE: '4',
    CAREDESK_FSYNC: 'false',
    ...env,
  };
}

/** `caredesk serve` on the database, not waited for (call `.listening()` or `.exitedWithin()`). */
export function servePostgres(databaseUrl: string, env: Record<string, string> = {}): CaredeskProcess {
  return new CaredeskProcess(['serve'], postgresEnv(databaseUrl, env));
}

/** The errors a server logged (pino level 50 and up), one line each: what a failing test should show. */
export function loggedErrors(proc: CaredeskProcess | undefined): string {
  const errors = (proc?.logs() ?? []).filter((l) => Number(l.level) >= 50);
  return errors.map((l) => `${String(l.msg)}: ${JSON.stringify((l.err as { message?: string })?.message)}`).join('\n');
}

/** A store on the test database, opened, to read what the servers stored; close it after use. */
export async function openDatabase(databaseUrl: string): Promise<PostgresStore> {
  const store = new PostgresStore(databaseUrl, { poolSize: 2 });
  await store.open();
  return store;
}

/** An agent made with `caredesk agents add` on the database, as an operator makes the first one; their id and token. */
export async function addAgent(
  databaseUrl: string,
  name: string,
  extraArgs: readonly string[] = [],
): Promise<{ id: string; token: string }> {
  const add = new CaredeskProcess(['agents', 'add', '--name', name, ...extraArgs, '--json'], postgresEnv(databaseUrl));
  const added = await add.exitedWithin(30_000);
  if (added.code !== 0) throw new Error(`caredesk agents add failed: ${add.stderr}${add.stdout}`);
  const { agent, token } = JSON.parse(add.stdout) as { agent: { id: string }; token: string };
  return { id: agent.id, token };
}

/** Runs a `caredesk` command on the database to its end: exit code and what it printed. */
export async function caredeskOn(
  databaseUrl: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = new CaredeskProcess(args, postgresEnv(databaseUrl));
  const exit = await run.exitedWithin(30_000);
  return { code: exit.code, stdout: run.stdout, stderr: run.stderr };
}

/** The admin API as an agent with a token; a non-2xx answer throws with its body. */
export function adminClient(url: string, token: string) {
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely here
  return async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${url}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** A customer on the Telegram emulator: what they write, and what the bot sent them. */
export function telegramCustomer(emulator: Emulator, token: string, userId: number, firstName: string) {
  const client = emulator.server.getClient(token, { userId, chatId: userId, firstName });
  const inbox = (): string[] =>
    emulator
      .botMessages()
      .filter((m) => String(m.message.chat_id) === String(userId))
      .map((m) => m.message.text);
  return {
    say: (text: string) => client.sendMessage(client.makeMessage(text)),
    press: (value: string) => client.sendCallback(client.makeCallbackQuery(value, { message: { message_id: 1 } })),
    inbox,
    /** Waits for a message to this customer matching `pattern`, after the first `skip` messages. */
    receives: (pattern: RegExp, skip = 0): Promise<string> =>
      until(
        () =>
          inbox()
            .slice(skip)
            .find((t) => pattern.test(t)),
        20_000,
      ).catch(() => {
        throw new Error(
          `${firstName} did not receive ${pattern} after ${skip} messages; got ${JSON.stringify(inbox())}`,
        );
      }),
  };
}
