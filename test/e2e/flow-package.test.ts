/**
 * What a flow author does, outside this repository: `npm pack` caredesk,
 * install the tarball in a fresh folder, `npx caredesk init`, change the
 * sample flow, run its tests and the type checker, talk to it with
 * `npx caredesk chat --flow`, and serve it to a Bot Framework customer with
 * `npx caredesk serve`. The install comes from npm's cache where it can, into
 * a project folder kept between runs (helpers/flow-project.ts says why);
 * every step is bounded in time.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannel, fakeChannel } from '../bots/botframework/fake-channel.js';
import { until } from '../bots/telegram/helpers.js';
import { docFiles } from '../helpers/doc-snippets.js';
import {
  installProject,
  ProjectProcess,
  packCaredesk,
  run,
  takeProjectFolder,
  workDir,
} from './helpers/flow-project.js';

const FLOW = 'opening-hours';
let work: string;
let project: string;
let release: (() => void) | undefined;
const npx = (args: string[], input?: string) => run('npx', args, { cwd: project, input, timeoutMs: 120_000 });

beforeAll(async () => {
  work = workDir();
  const tarball = await packCaredesk(work);
  const taken = await takeProjectFolder();
  release = taken.release;
  project = await installProject(taken.dir, tarball);
}, 900_000);

afterAll(() => {
  release?.();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a flow author with caredesk installed from its package', () => {
  it('gets a project from `npx caredesk init`, which never overwrites it', async () => {
    const init = await npx(['caredesk', 'init', FLOW]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`wrote flows/${FLOW}.ts`);
    const config = JSON.parse(readFileSync(join(project, 'caredesk.config.json'), 'utf8'));
    expect(config.flows).toMatchObject({ files: { [FLOW]: `flows/${FLOW}.ts` }, default: FLOW, care: true });

    const flowFile = join(project, 'flows', `${FLOW}.ts`);
    const before = readFileSync(flowFile, 'utf8');
    const again = await npx(['caredesk', 'init', FLOW]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/flows\/opening-hours\.ts, .*already exist.*wrote nothing.*\[E_FILE_EXISTS\]/);
    expect(readFileSync(flowFile, 'utf8')).toBe(before);
  }, 120_000);

  it('changes the sample flow; its tests and the type checker pass', async () => {
    const flowFile = join(project, 'flows', `${FLOW}.ts`);
    const testFile = join(project, 'flows', `${FLOW}.test.ts`);
    writeFileSync(
      flowFile,
      readFileSync(flowFile, 'utf8').replace('We are open Mon-Sat, 9:00-19:00.', 'We are open every day, 8:00-20:00.'),
    );
    writeFileSync(testFile, readFileSync(testFile, 'utf8').replace('/open Mon-Sat/', '/open every day, 8:00/'));

    const tests = await npx(['vitest', 'run']);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/4 passed/);
    const types = await npx(['tsc']);
    expect(types.code, types.stdout + types.stderr).toBe(0);

    // The published declarations are what checks the flow: a wrong effect is a type error.
    const good = readFileSync(flowFile, 'utf8');
    writeFileSync(flowFile, good.replace("reply('Hi! What can I do for you?', MENU)", 'reply(42, MENU)'));
    const wrong = await npx(['tsc']);
    writeFileSync(flowFile, good);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/opening-hours\.ts.*'number' is not assignable/);
  }, 180_000);

  it('talks to the flow with `npx caredesk chat --flow`', async () => {
    const chat = await npx(['caredesk', 'chat', '--flow', FLOW], 'hi\nopening hours\n');
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stdout).toContain('bot> Hi! What can I do for you?');
    expect(chat.stdout).toContain('bot> We are open every day, 8:00-20:00.');
    const list = await npx(['caredesk', 'flows', 'list']);
    expect(list.stdout).toMatch(/^care\t/m);
    expect(list.stdout).toMatch(/^opening-hours \(default\)\t/m);
  }, 120_000);

  it('serves the flow with `npx caredesk serve`: a Bot Framework customer is answered by it', async () => {
    let serve: ProjectProcess | undefined;
    let channel: FakeChannel | undefined;
    try {
      channel = await fakeChannel();
      serve = new ProjectProcess(['serve'], project, {
        PORT: '0',
        CAREDESK_DATA_DIR: join(work, 'data'),
        CAREDESK_FSYNC: 'false',
      });
      const url = await serve.listening();
      const post = async (n: number, extra: Record<string, unknown>) => {
        const res = await fetch(`${url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            id: `act-${n}`,
            channelId: 'webchat',
            serviceUrl: channel!.serviceUrl,
            from: { id: 'author-customer', name: 'Grace' },
            recipient: { id: 'bot', name: 'caredesk' },
            conversation: { id: 'conv-author' },
            ...extra,
          }),
        });
        expect(res.status).toBe(200);
      };
      const texts = () => channel!.received.map((r) => r.activity.text ?? '');
      // The client connects first (the flow waits for the customer's words), then the customer writes.
      await post(1, { type: 'conversationUpdate', membersAdded: [{ id: 'author-customer' }] });
      await post(2, { type: 'message', text: 'hi' });
      await until(() => texts().find((t) => t === 'Hi! What can I do for you?'), 20_000);
      await post(3, { type: 'message', text: 'opening hours' });
      await until(() => texts().find((t) => t === 'We are open every day, 8:00-20:00.'), 20_000);
      expect(texts()[0]).toBe('Hi! What can I do for you?');
    } finally {
      await serve?.stop();
      await channel?.close();
    }
  }, 120_000);

  it('runs every file docs/flows.md shows, as it shows it: the type checker and the tests pass', async () => {
    const files = docFiles('docs/flows.md');
    expect(Object.keys(files)).toContain('flows/versions.test.ts');
    for (const [path, text] of Object.entries(files)) writeFileSync(join(project, path), text);
    const types = await npx(['tsc']);
    expect(types.code, types.stdout + types.stderr).toBe(0);
    const tests = await npx(['vitest', 'run']);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/flows\/versions\.test\.ts/);
    expect(tests.stdout).toMatch(/5 passed/);
  }, 180_000);
});
