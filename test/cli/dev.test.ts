/**
 * `caredesk dev` as an author runs it: a project's flow served to Bot
 * Framework customers, the flow's file changed under it. Real process, real
 * HTTP, real file watching; every wait is bounded.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type FakeChannel, fakeChannel } from '../bots/botframework/fake-channel.js';
import { until } from '../bots/telegram/helpers.js';
import { CaredeskProcess, stopServe } from '../e2e/helpers/caredesk-process.js';
import { flowSource, makeProject } from '../helpers/flow-project.js';

/** Asks a name; `version` is in every reply, `asking` names the state that waits for the name. */
const names = (version: string, asking = 'askingName', broken = '') =>
  flowSource(
    'names',
    'greeting',
    `{
    greeting: { on: { 'customer.message': { target: '${asking}', actions: reply('${version}: What is your name?') } } },
    ${asking}: { on: { 'customer.message': { target: 'done', actions: reply(({ event }) => '${version}: Hello ' + said(event)) } } },
    done: { on: { 'customer.message': { actions: reply('${version}: Bye.') } } },
  }${broken}`,
  );

let dir: string | undefined;
let dev: CaredeskProcess | undefined;
let channel: FakeChannel | undefined;
afterEach(async () => {
  await stopServe(dev);
  await channel?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = dev = channel = undefined;
});

it('a changed flow is reloaded: conversations go on in the new version, or restart with the reason told', async () => {
  dir = makeProject({ 'flows/names.ts': names('v1') }, { files: { names: 'flows/names.ts' }, default: 'names' });
  const flowFile = join(dir, 'flows', 'names.ts');
  const fake = await fakeChannel();
  channel = fake;
  const running = new CaredeskProcess(['dev', '--config', join(dir, 'caredesk.config.json')], {
    PORT: '0',
    CAREDESK_DATA_DIR: join(dir, 'data'),
    CAREDESK_FSYNC: 'false',
  });
  dev = running;
  const url = await running.listening(60_000);
  let n = 0;
  const say = async (customer: string, text: string): Promise<string> => {
    const before = fake.received.filter((r) => r.path.includes(`conv-${customer}`)).length;
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: `a${++n}`,
        channelId: 'webchat',
        serviceUrl: fake.serviceUrl,
        from: { id: customer, name: customer },
        recipient: { id: 'bot', name: 'caredesk' },
        conversation: { id: `conv-${customer}` },
        text,
      }),
    });
    expect(res.status).toBe(200);
    const reply = await until(() => fake.received.filter((r) => r.path.includes(`conv-${customer}`))[before], 15_000);
    return reply.activity.text ?? '';
  };
  const printed = (pattern: RegExp) => until(() => pattern.exec(running.stderr)?.[0], 20_000);

  await printed(/caredesk dev: serving http:\/\/\S+ with flows care, names; watching .*flows\//);
  expect(await say('ada', 'hi')).toBe('v1: What is your name?');

  // Same states, new words: Ada's conversation goes on where it was, in the new version.
  writeFileSync(flowFile, names('v2'));
  await printed(/reloaded flow "names" from \S*names\.ts: 1 conversation\(s\) go on where they were, 0 restarted/);
  expect(await say('ada', 'Ada')).toBe('v2: Hello Ada');

  // A version that does not load leaves the running one in place.
  writeFileSync(flowFile, names('v3', 'askingName', ' oops'));
  await printed(
    /Flow "names" \(\S*names\.ts\) did not load: [^\n]+\n[\s\S]*The version that loaded before keeps running/,
  );
  expect(await say('bob', 'hi')).toBe('v2: What is your name?');

  // The state Bob waits in is renamed: his conversation restarts, and the author reads which and why.
  writeFileSync(flowFile, names('v3', 'waitingForName'));
  const restarted = await printed(/cnv_\S+ restarts from the beginning: it was in "askingName"[^\n]*/);
  expect(restarted).toMatch(/State 'askingName' does not exist/);
  expect(await say('bob', 'Bob')).toBe('v3: What is your name?');
  expect(await say('ada', 'bye')).toBe('v3: Bye.');
}, 120_000);
