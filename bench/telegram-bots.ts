/**
 * The two bots bench:telegram compares, each started the same way: a bare
 * telegraf bot that sends the answers it is given, and caredesk (Desk +
 * embedded store with fsync + outbox dispatcher + Telegram channel + a flow;
 * the PostgreSQL store instead when its spec names a database).
 *
 * By default bench:telegram runs each bot in a process of its own (this file
 * as a child, see `serve` below), as a bot runs beside Telegram: the channel's
 * cost is then not on the bot's CPU, and msg/s says whether the bot keeps up
 * with the channel. BOTS=in-process runs them inside the bench's own process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Telegraf } from 'telegraf';
import { telegramChannel } from '../bots/telegram/index.js';
import {
  Desk,
  EmbeddedStore,
  FlowEngine,
  OutboxDelivery,
  type QuickReply,
  type Store,
  silentLogger,
} from '../core/index.js';
import { defaultRegistry } from '../flows/registry.js';
import { EchoEngine } from '../test/bots/telegram/helpers.js';

/** One bot message as Telegram gets it: text and inline keyboard. */
export interface Answer {
  readonly text: string;
  readonly quickReplies: readonly QuickReply[];
}

export type BotSpec =
  | { readonly kind: 'bare'; readonly token: string; readonly apiRoot: string; readonly answers: [string, Answer[]][] }
  | {
      readonly kind: 'caredesk';
      readonly token: string;
      readonly apiRoot: string;
      readonly flow: 'care' | 'echo';
      /** The PostgreSQL store on this database (migrated) instead of the embedded store. */
      readonly databaseUrl?: string;
    };

export interface RunningBot {
  /** CPU time this bot's process has used so far, in µs (user + system). */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** Rate limits raised out of the way: both bots run under the same ones, so they measure neither. */
const limits = { globalPerSecond: 100_000, perChatPerSecond: 100_000, perChatBurst: 100_000 };

async function startBare(spec: Extract<BotSpec, { kind: 'bare' }>): Promise<() => Promise<void>> {
  const bot = new Telegraf(spec.token, { telegram: { apiRoot: spec.apiRoot } });
  const answerTo = new Map(spec.answers);
  // caredesk's answer to the same line, one message after the other, as its Telegram sender sends them.
  bot.on('text', async (ctx) => {
    for (const { text, quickReplies } of answerTo.get(ctx.message.text) ?? []) {
      await ctx.reply(text, {
        reply_markup:
          quickReplies.length > 0
            ? { inline_keyboard: quickReplies.map((q) => [{ text: q.label, callback_data: q.value }]) }
            : undefined,
      });
    }
  });
  void bot.launch(); // resolves only when stopped
  return async () => bot.stop('bench done');
}

async function startCaredesk(spec: Extract<BotSpec, { kind: 'caredesk' }>): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-bench-telegram-'));
  // FSYNC=0: without the durable write's wait, to see its share of the ratio (caredesk's default is on).
  const store: Store = spec.databaseUrl
    ? new (await import('../core/store/postgres/index.js')).PostgresStore(spec.databaseUrl)
    : new EmbeddedStore(dir, { fsync: process.env.FSYNC !== '0' });
  await store.open();
  const flows = defaultRegistry();
  let engine: FlowEngine | undefined;
  const desk = new Desk({
    store,
    flowFor: flows.flowFor,
    engine: (d) => {
      if (spec.flow === 'echo') return new EchoEngine(d);
      engine = new FlowEngine(d, { flows });
      return engine;
    },
  });
  await engine?.start();
  const channel = telegramChannel(desk, { botToken: spec.token, apiRoot: spec.apiRoot, limits }, silentLogger);
  const dispatcher = new OutboxDelivery(desk, [channel.sender]);
  dispatcher.start();
  await channel.start();
  return async () => {
    await channel.stop();
    await dispatcher.stop();
    await desk.idle();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
}

function ownCpu(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Starts the bot in this process. */
export async function startInProcess(spec: BotSpec): Promise<RunningBot> {
  const stop = spec.kind === 'bare' ? await startBare(spec) : await startCaredesk(spec);
  return { cpuMicros: async () => ownCpu(), stop };
}

type Request = { readonly id: number; readonly op: 'cpu' | 'stop' };
type Reply = { readonly id: number; readonly value: number } | { readonly ready: true };

/**
 * Binds this process, every thread of it (the libuv pool's and V8's too,
 * and the ones started later, which inherit it), to one CPU. Linux only
 * (taskset, util-linux); false where that is not possible.
 */
export function pinToCpu(cpu: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(cpu), String(process.pid)], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/** Starts the bot in a child process (this file) and talks to it over IPC; `cpu`: the one CPU it runs on. */
export async function startInChild(spec: BotSpec, cpu?: number): Promise<RunningBot> {
  const { fork } = await import('node:child_process');
  const child = fork(new URL(import.meta.url), [JSON.stringify(spec), cpu === undefined ? '' : String(cpu)], {
    // BOT_NODE_ARGS="--cpu-prof --cpu-prof-dir=.prof": node options for the bots' processes only.
    execArgv: ['--import', 'tsx', ...(process.env.BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (value: number) => void>();
  let ready!: () => void;
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`the ${spec.kind} bot exited with ${code} before it was ready`)));
  });
  child.on('message', (m: Reply) => {
    if ('ready' in m) ready();
    else waiting.get(m.id)?.(m.value);
  });
  await started;
  let next = 0;
  const ask = (op: Request['op']): Promise<number> =>
    new Promise((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      child.send({ id, op } satisfies Request);
    });
  return {
    cpuMicros: () => ask('cpu'),
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      await ask('stop');
      await exited;
    },
  };
}

/** The child's side: start the bot named in argv, answer the parent's requests. */
async function serve(spec: BotSpec, cpu: string | undefined): Promise<void> {
  if (cpu) pinToCpu(Number(cpu));
  const bot = await startInProcess(spec);
  process.on('message', async (m: Request) => {
    if (m.op === 'cpu') process.send?.({ id: m.id, value: await bot.cpuMicros() } satisfies Reply);
    else {
      await bot.stop();
      process.send?.({ id: m.id, value: 0 } satisfies Reply, () => process.exit(0));
    }
  });
  process.send?.({ ready: true } satisfies Reply);
}

if (process.send && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await serve(JSON.parse(process.argv[2] ?? '{}') as BotSpec, process.argv[3]);
}
