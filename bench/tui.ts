/**
 * The TUI's budget in DESIGN.md: a queue of 10,000 conversations redraws
 * under 30 ms, and keys answer while 50 events/s stream in.
 *
 *   npm run bench:tui
 *   CONVERSATIONS=2000 SECONDS=5 npm run bench:tui   (quick)
 *
 * The real TUI (App, HttpAdminClient with its zod parsing, the SSE reader,
 * LiveFeed) runs here against a stand-in admin server in a child process
 * (so that the server's JSON work does not count against the TUI): it
 * serves CONVERSATIONS open conversations and streams events at RATE/s.
 * Ink renders in debug mode into a fake terminal (120×40), which writes every
 * frame as soon as it is drawn: the time from a key to its frame is the
 * drawing cost. A real terminal adds Ink's frame pacing (at most 1/60 s).
 *
 * 1. redraw: keys on the queue board, one at a time, each timed from the
 *    key to the frame that shows it (next row, last/first row, next view,
 *    a filter being typed), plus recomputing the sorted view of the whole set.
 * 2. under load: RATE events/s for SECONDS (messages, assignments, SLA
 *    alerts, new handoffs, resolutions: each makes the TUI patch its rows,
 *    and reload all of them at most every 2 s, 10,000 rows through zod),
 *    while keys are pressed 20 times a second on a fixed schedule; latency
 *    runs from when the key was due, so a TUI busy parsing shows it.
 *
 * Writes bench/results/tui.json.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const CONVERSATIONS = Number(process.env.CONVERSATIONS ?? 10_000);
const RATE = Number(process.env.RATE ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 15);
const TOKEN = 'cdk_bench';
const T0 = Date.now();
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

// ---------------------------------------------------------------- the stand-in server (child process)

function conversationRow(i: number) {
  const queued = i % 10 < 7;
  const id = `cnv_${String(i).padStart(6, '0')}`;
  return {
    id,
    customerId: `cus_${i}`,
    channel: i % 3 === 0 ? 'botframework' : 'telegram',
    mode: queued ? 'queued' : i % 10 < 9 ? 'agent' : 'bot',
    flow: 'care',
    tags: ['general'],
    priority: i % 13 === 0 ? 'high' : 'normal',
    language: i % 4 === 0 ? 'it' : 'en',
    topic: ['billing', 'router', 'outage', 'contract'][i % 4],
    skill: i % 2 ? 'billing' : 'tech',
    assignee: queued || i % 10 === 9 ? undefined : `agt_${i % 7}`,
    sla: {
      queuedAt: iso(-(i % 3600) * 1000),
      firstResponseDueAt: i % 10 === 9 ? undefined : iso(((i * 7919) % 7200) * 1000 - 600_000),
      firstResponseWarnAt: i % 10 === 9 ? undefined : iso(((i * 7919) % 7200) * 1000 - 1_200_000),
    },
    createdAt: iso(-(i % 3600) * 1000 - 60_000),
    updatedAt: iso(-1000),
    lastMessageAt: iso(-(i % 600) * 1000),
    lastMessagePreview: `customer ${i}: my ${['invoice', 'router', 'line', 'contract'][i % 4]} needs looking at, please`,
    messageCount: 3 + (i % 5),
    customer: { id: `cus_${i}`, displayName: `Customer ${i}`, language: i % 4 === 0 ? 'it' : 'en' },
    slaDueAt: i % 10 === 9 ? undefined : iso(((i * 7919) % 7200) * 1000 - 600_000),
    breached: i % 10 !== 9 && ((i * 7919) % 7200) * 1000 - 600_000 < 0,
  };
}

function serve(): void {
  const rows = new Map<string, ReturnType<typeof conversationRow>>();
  for (let i = 0; i < CONVERSATIONS; i++) {
    const r = conversationRow(i);
    rows.set(r.id, r);
  }
  let next = CONVERSATIONS;
  let seq = 0;
  const streams = new Set<ServerResponse>();
  const agents = Array.from({ length: 7 }, (_, i) => ({
    id: `agt_${i}`,
    name: `Agent ${i}`,
    role: i === 0 ? 'supervisor' : 'agent',
    skills: ['billing'],
    languages: ['en'],
    capacity: 5,
    presence: 'online',
    createdAt: iso(-86_400_000),
    load: 2,
  }));
  const json = (res: ServerResponse, body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"E_UNAUTHORIZED","message":"no"}}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace('/admin/v1', '');
    if (path === '/me') return json(res, { agent: agents[0] });
    if (path === '/agents') return json(res, { agents });
    if (path === '/conversations') return json(res, { conversations: [...rows.values()] });
    const one = /^\/conversations\/([^/]+)$/.exec(path);
    if (one) {
      const r = rows.get(decodeURIComponent(one[1]!));
      if (!r) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"E_NOT_FOUND","message":"gone"}}');
        return;
      }
      const { customer, slaDueAt: _d, breached: _b, ...conversation } = r;
      const messages = Array.from({ length: 6 }, (_, i) => ({
        id: `${r.id}_m${i}`,
        conversationId: r.id,
        customerId: customer.id,
        channel: r.channel,
        direction: i % 2 ? 'outbound' : 'inbound',
        author: i % 2 ? 'bot' : 'customer',
        text: `message ${i} of ${r.id}`,
        attachments: [],
        internal: false,
        createdAt: iso(-i * 1000),
      }));
      return json(res, {
        conversation,
        customer: { ...customer, identities: [{ channel: r.channel, externalId: customer.id }], createdAt: iso(-1e9) },
        messages,
        history: [],
        viewers: [],
      });
    }
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('retry: 2000\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"code":"E_NOT_FOUND","message":"not in the bench"}}');
  });
  const emit = (type: string, conversationId: string | undefined, data: Record<string, unknown>, agentId?: string) => {
    const e = { seq: ++seq, type, at: new Date().toISOString(), conversationId, agentId, data };
    const frame = `id: ${e.seq}\nevent: ${type}\ndata: ${JSON.stringify(e)}\n\n`;
    for (const s of streams) s.write(frame);
  };
  let timer: NodeJS.Timeout | undefined;
  process.on('message', (m: { start?: boolean; stop?: boolean }) => {
    if (m.start) {
      let n = 0;
      timer = setInterval(() => {
        const ids = [...rows.keys()];
        const id = ids[(n * 7919) % ids.length]!;
        const kind = n++ % 20;
        if (kind < 12) emit('message.received', id, { messageId: `m${n}`, channel: 'telegram' });
        else if (kind < 16) emit('conversation.assigned', id, { via: 'claim' }, `agt_${n % 7}`);
        else if (kind < 18) emit('sla.warning', id, { target: 'firstResponse' });
        else if (kind === 18) {
          const r = conversationRow(next++);
          rows.set(r.id, { ...r, mode: 'queued', assignee: undefined });
          emit('handoff.requested', r.id, { channel: r.channel, topic: r.topic });
        } else {
          rows.delete(id);
          emit('conversation.resolved', id, {});
        }
      }, 1000 / RATE);
    }
    if (m.stop) {
      clearInterval(timer);
      process.send?.({ sent: seq });
    }
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
}

// ---------------------------------------------------------------- the TUI in a fake terminal

class Terminal extends EventEmitter {
  readonly columns = 120;
  readonly rows = 40;
  readonly isTTY = false;
  frames = 0;
  last = '';
  #waiters: Array<(frame: string) => void> = [];
  write = (frame: string): boolean => {
    this.frames++;
    this.last = frame;
    for (const w of this.#waiters.splice(0)) w(frame);
    return true;
  };
  /** The next frame drawn (after now). */
  nextFrame(): Promise<string> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

class Keyboard extends EventEmitter {
  isTTY = true;
  #data: string | null = null;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): string | null => {
    const d = this.#data;
    this.#data = null;
    return d;
  };
  press(key: string): void {
    this.#data = key;
    this.emit('readable');
  }
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? 0;
  const r = (v: number) => +v.toFixed(2);
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? 0) };
}

async function main(): Promise<void> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], {
    env: { ...process.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
  });
  try {
    await measure(child, `http://127.0.0.1:${port}`);
  } finally {
    child.kill();
  }
}

async function measure(child: ChildProcess, server: string): Promise<void> {
  // As `caredesk tui` runs it: React's production build.
  process.env.NODE_ENV ??= 'production';
  // Loaded here: the server child needs none of it.
  const [{ render }, { createElement }, tui, { ConversationSet, parseFilter }, { HttpAdminClient }] = await Promise.all(
    [
      import('ink'),
      import('react'),
      import('../tui/index.js'),
      import('../tui/state/board.js'),
      import('../tui/client.js'),
    ],
  );
  const client = new HttpAdminClient({ server, token: TOKEN, timeoutMs: 30_000 });
  const feed = new tui.LiveFeed().start(client);
  const me = await client.me();
  const terminal = new Terminal();
  const keyboard = new Keyboard();
  const started = performance.now();
  const instance = render(createElement(tui.App, { client, feed, me, bell: false, tickMs: 60_000 }), {
    stdout: terminal as unknown as NodeJS.WriteStream,
    stdin: keyboard as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  // The table's header is drawn once the rows are in.
  while (!terminal.last.includes('LAST MESSAGE')) {
    await terminal.nextFrame();
  }
  const firstFrameMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 500));

  /** One key, timed from the press to the frame it causes. */
  const time = async (key: string): Promise<number> => {
    const frame = terminal.nextFrame();
    const t = performance.now();
    keyboard.press(key);
    await frame;
    return performance.now() - t;
  };
  const series = async (keys: readonly string[], rounds: number): Promise<Stats> => {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) for (const k of keys) samples.push(await time(k));
    return stats(samples);
  };

  // 1. redraw, nothing streaming
  const redraw = {
    nextRow: await series(['j'], 300),
    lastAndFirstRow: await series(['G', 'g'], 50),
    nextView: await series(['\t'], 40),
    filterKeystroke: await (async () => {
      await time('/');
      const s = await series([...'customer 12'], 10);
      await time('\x1b');
      await new Promise((resolve) => setTimeout(resolve, 50));
      return s;
    })(),
  };
  const set = new ConversationSet();
  set.replace(await client.conversations({ mode: ['queued', 'agent', 'bot'], limit: 10_000 }));
  const recompute: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    set.apply({
      seq: i,
      type: 'conversation.escalated',
      at: iso(0),
      conversationId: 'cnv_000001',
      data: { to: 'high' },
    });
    set.view('all', parseFilter(''), me.id);
    recompute.push(performance.now() - t);
  }
  const fullReload: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const rows = await client.conversations({ mode: ['queued', 'agent', 'bot'], limit: 10_000 });
    set.replace(rows);
    fullReload.push(performance.now() - t);
  }

  // 2. keys while events stream in, open loop: each key is due at a fixed time
  let conversationLoads = 0;
  const conversations = client.conversations.bind(client);
  client.conversations = (q) => {
    conversationLoads++;
    return conversations(q);
  };
  let conversationFetches = 0;
  const conversation = client.conversation.bind(client);
  client.conversation = (id) => {
    conversationFetches++;
    return conversation(id);
  };
  let eventsSeen = 0;
  const unsubscribe = feed.subscribe(() => eventsSeen++);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  child.send({ start: true });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const latency: number[] = [];
  const keysPerSecond = 20;
  const total = SECONDS * keysPerSecond;
  const t0 = performance.now() + 50;
  loop.enable();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / keysPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const frame = terminal.nextFrame();
    keyboard.press(i % 2 ? 'k' : 'j');
    await frame;
    latency.push(performance.now() - due);
  }
  loop.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - t0;
  child.send({ stop: true });
  const sent = await new Promise<number>((resolve) => child.once('message', (m: { sent: number }) => resolve(m.sent)));
  unsubscribe();
  instance.unmount();
  feed.close();

  const r = (v: number) => +v.toFixed(1);
  const results = {
    conversations: CONVERSATIONS,
    terminal: '120x40',
    firstFrameMs: r(firstFrameMs),
    redrawMs: {
      ...redraw,
      patchOneRowAndRecomputeTheView: stats(recompute),
      reloadAllRowsThroughTheClient: stats(fullReload),
    },
    underLoad: {
      eventsPerSecond: RATE,
      seconds: SECONDS,
      eventsSent: sent,
      eventsSeen,
      reloadsOfAllRows: conversationLoads,
      singleConversationFetches: conversationFetches,
      // The TUI process's CPU over the wall time: low here means delays came from other processes.
      cpuPercentOfOneCore: +(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(1),
      loadAverage: +(os.loadavg()[0] ?? 0).toFixed(2),
      keyLatencyMs: stats(latency),
      // How long the TUI's own work kept the event loop busy (what a key can be stuck behind).
      eventLoopDelayMs: {
        p50: +(loop.percentile(50) / 1e6).toFixed(1),
        p99: +(loop.percentile(99) / 1e6).toFixed(1),
        max: +(loop.max / 1e6).toFixed(1),
      },
    },
    budget: { redrawUnder30ms: redraw.nextRow.p95 < 30 && redraw.lastAndFirstRow.p95 < 30 },
    note: 'Ink in debug mode into a fake terminal: key to drawn frame. A real terminal adds Ink frame pacing (at most 1/60 s).',
  };
  console.log(JSON.stringify(results, null, 2));
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/tui.json', `${JSON.stringify(results, null, 2)}\n`);
}

if (process.argv.includes('--serve')) serve();
else await main();
