/**
 * The dev chat: be a customer in the terminal against a running caredesk.
 * It is a tiny Bot Framework channel: lines typed are posted to the server's
 * /api/messages as activities, and the server's replies arrive on this
 * process's own loopback serviceUrl, so the whole real path is exercised.
 * Suggested actions are shown numbered; typing the number presses it.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { CaredeskError } from '../../core/index.js';

export interface DevChatOptions {
  /** caredesk's base URL, e.g. http://127.0.0.1:3978 */
  readonly server: string;
  readonly user?: string;
  readonly language?: string;
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
  /** After the input ends, how long to wait for late replies (ms). */
  readonly lingerMs?: number;
  /**
   * Send each line only once the previous one was answered (or after
   * `answerTimeoutMs`, default 10,000): for input piped in as a script, so a
   * slow server does not see every line at once and the last answers are not lost.
   */
  readonly waitForAnswers?: boolean;
  readonly answerTimeoutMs?: number;
}

interface Reply {
  text?: string;
  suggestedActions?: { actions?: Array<{ title?: string; value?: unknown }> };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runDevChat(options: DevChatOptions): Promise<void> {
  const out = options.output ?? process.stdout;
  const user = options.user ?? `devchat-${process.env.USER ?? 'customer'}`;
  const conversationId = `devchat-${user}`;
  let choices: Array<{ title: string; value: string }> = [];
  let lastReplyAt = Date.now();
  let replies = 0;

  const channel = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      lastReplyAt = Date.now();
      replies++;
      let reply: Reply = {};
      try {
        reply = JSON.parse(body || '{}') as Reply;
      } catch {
        // not JSON: nothing to show
      }
      if (reply.text) out.write(`bot> ${reply.text}\n`);
      choices = (reply.suggestedActions?.actions ?? []).map((a) => ({
        title: String(a.title ?? a.value),
        value: String(a.value ?? a.title),
      }));
      if (choices.length > 0) out.write(`${choices.map((c, i) => `  [${i + 1}] ${c.title}`).join('\n')}\n`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: randomUUID() }));
    });
  });
  await new Promise<void>((r) => channel.listen(0, '127.0.0.1', r));
  const serviceUrl = `http://127.0.0.1:${(channel.address() as AddressInfo).port}`;

  const post = async (activity: Record<string, unknown>): Promise<void> => {
    const body = {
      id: randomUUID(),
      channelId: 'devchat',
      serviceUrl,
      from: { id: user, name: user },
      recipient: { id: 'caredesk', name: 'caredesk' },
      conversation: { id: conversationId },
      locale: options.language,
      ...activity,
    };
    let res: Response;
    try {
      res = await fetch(new URL('/api/messages', options.server), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (cause) {
      throw new CaredeskError(
        'E_CHANNEL_DOWN',
        `Cannot reach caredesk at ${options.server}. Is \`caredesk serve\` running there?`,
        { server: options.server },
        { cause },
      );
    }
    if (!res.ok) out.write(`(caredesk answered ${res.status}: ${(await res.text()).slice(0, 200)})\n`);
  };

  try {
    out.write(`Connected to ${options.server} as ${user}. Type a message; Ctrl-D to leave.\n`);
    await post({ type: 'conversationUpdate', membersAdded: [{ id: user, name: user }] });
    const input = options.input ?? process.stdin;
    const scripted = options.waitForAnswers === true;
    const answerTimeout = options.answerTimeoutMs ?? 10_000;
    const answered = async (seen: number): Promise<void> => {
      const until = Date.now() + answerTimeout;
      while (replies === seen && Date.now() < until) await sleep(50);
    };
    const lines = createInterface({ input, terminal: false });
    let seen: number | undefined; // replies seen when the last line was sent
    for await (const line of lines) {
      const text = line.trim();
      if (text === '') continue;
      if (scripted && seen !== undefined) await answered(seen);
      const picked = /^\d+$/.test(text) ? choices[Number(text) - 1] : undefined;
      seen = replies;
      await post(picked ? { type: 'message', text: picked.title, value: picked.value } : { type: 'message', text });
    }
    // Input is over (Ctrl-D or the end of a pipe): let the last replies arrive.
    if (scripted && seen !== undefined) await answered(seen);
    const linger = options.lingerMs ?? 2_000;
    while (Date.now() - lastReplyAt < linger) await sleep(100);
  } finally {
    channel.closeAllConnections();
    await new Promise((r) => channel.close(r));
  }
}
