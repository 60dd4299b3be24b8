/**
 * `caredesk chat --flow NAME`: talk to a flow (shipped, or the project's) in this terminal, through the
 * real engine over an in-memory store (no server), and see its effects —
 * handoffs, tags, resolution, survey answers — as they happen.
 */
import { createInterface } from 'node:readline';
import type { DomainEvent } from '../../core/index.js';
import { chatWith, type Reply } from '../../flows/kit/chat.js';
import { commandRegistry } from '../project/registry.js';

const SHOWN: Record<string, (e: DomainEvent) => string> = {
  'handoff.requested': (e) =>
    `[handoff: ${Object.entries(e.data)
      .filter(([, v]) => v !== undefined && typeof v !== 'object')
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}]`,
  'conversation.resolved': () => '[resolved]',
  'conversation.tagged': (e) => `[tag: ${String(e.data.tag)}]`,
  'conversation.prioritized': (e) => `[priority: ${String(e.data.priority)}]`,
  'survey.answered': (e) => `[survey: ${String(e.data.question)}=${String(e.data.score)}]`,
  'flow.failed': (e) => `[flow failed: ${String(e.data.reason)}]`,
};

export async function runFlowChat(name: string, language: string | undefined, configFile?: string): Promise<void> {
  const flow = (await commandRegistry(configFile)).require(name);
  const chat = await chatWith(flow, { language });
  const out = process.stdout;
  let choices: Reply['quickReplies'] = [];
  let seenEvents = 0;
  const show = (replies: Reply[]): void => {
    for (const r of replies) {
      out.write(`bot> ${r.text.replaceAll('\n', '\n     ')}\n`);
      if (r.quickReplies.length > 0) {
        choices = r.quickReplies;
        out.write(`${r.quickReplies.map((q, i) => `  [${i + 1}] ${q.label}`).join('\n')}\n`);
      }
    }
    for (const e of chat.events.slice(seenEvents)) {
      const line = SHOWN[e.type]?.(e);
      if (line) out.write(`     ${line}\n`);
    }
    seenEvents = chat.events.length;
  };
  out.write(`Talking to the "${flow.name}" flow (${flow.description}). Ctrl-D to leave.\n`);
  // As the dev chat and Bot Framework channels do: the customer's client connects first.
  show(await chat.connect());
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    const text = line.trim();
    if (text === '') continue;
    const picked = /^\d+$/.test(text) ? choices[Number(text) - 1] : undefined;
    show(picked ? await chat.press(picked.value) : await chat.say(text));
  }
  await chat.close();
}
