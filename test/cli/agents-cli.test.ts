import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, EmbeddedStore, UnauthorizedError } from '../../core/index.js';
import { CaredeskProcess } from '../e2e/helpers/caredesk-process.js';
import { caredesk, tokensIn } from './run-caredesk.js';

const dirs: string[] = [];

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'caredesk-agents-'));
  dirs.push(dir);
  return join(dir, 'data');
}

/** Opens the data directory the way the next server would, and asks core who holds each token. */
async function whoHolds(dir: string, tokens: readonly string[]): Promise<Array<string | undefined>> {
  const store = new EmbeddedStore(dir, { fsync: false });
  await store.open();
  try {
    return await Promise.all(
      tokens.map((t) =>
        authenticate(store, t).then(
          (a) => a.name,
          (err: unknown) => {
            if (err instanceof UnauthorizedError) return undefined;
            throw err;
          },
        ),
      ),
    );
  } finally {
    await store.close();
  }
}

const noStackTrace = (text: string): void => expect(text).not.toMatch(/^\s+at /m);

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('caredesk agents, with no server on the data directory', () => {
  let dir: string;
  let token: string;
  let id: string;

  beforeAll(async () => {
    dir = await dataDir();
  });

  it('adds the first supervisor to a new data directory, printing the token once; the token signs them in', async () => {
    const add = await caredesk([
      'agents',
      'add',
      '--name',
      'Ann Smith',
      '--role',
      'supervisor',
      '--skills',
      'billing, tech',
      '--languages',
      'en,it',
      '--capacity',
      '3',
      '--data-dir',
      dir,
    ]);
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toMatch(/^Added supervisor Ann Smith \(agt_\w+\)\.\n/);
    expect(add.stdout).toContain('shown this once');
    expect(tokensIn(add.stdout)).toHaveLength(1);
    token = tokensIn(add.stdout)[0]!;
    id = /\((agt_\w+)\)/.exec(add.stdout)![1]!;
    expect(await whoHolds(dir, [token])).toEqual(['Ann Smith']);
  });

  it('lists the team without ever showing a token', async () => {
    const list = await caredesk(['agents', 'list', '-d', dir]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+ROLE\s+PRESENCE\s+LOAD\s+SKILLS\s+LANGUAGES\n/);
    expect(list.stdout).toMatch(
      new RegExp(`${id}\\s+Ann Smith\\s+supervisor\\s+offline\\s+0/3\\s+billing,tech\\s+en,it`),
    );
    const json = await caredesk(['agents', 'list', '--json'], { CAREDESK_DATA_DIR: dir });
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ id, name: 'Ann Smith', role: 'supervisor', skills: ['billing', 'tech'], load: 0 }),
    ]);
    for (const out of [list.stdout, json.stdout]) {
      expect(tokensIn(out)).toEqual([]);
      expect(out).not.toMatch(/tokenHash|cdk_/);
    }
  });

  it('rotate-token gives a new token and the old one stops working; remove takes the agent away', async () => {
    const rotated = await caredesk(['agents', 'rotate-token', id, '-d', dir]);
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toContain(`New token for Ann Smith (${id}); the old one no longer works.`);
    const [fresh] = tokensIn(rotated.stdout);
    expect(await whoHolds(dir, [token, fresh!])).toEqual([undefined, 'Ann Smith']);

    const removed = await caredesk(['agents', 'remove', id, '-d', dir]);
    expect(removed.status).toBe(0);
    expect(removed.stdout).toBe(`Removed supervisor Ann Smith (${id}).\n`);
    expect(await whoHolds(dir, [fresh!])).toEqual([undefined]);
    const empty = await caredesk(['agents', 'list', '-d', dir]);
    expect(empty.stdout).toMatch(/^No agents yet\. Add the first supervisor: caredesk agents add/);
  });

  it('refuses bad input with exit code 1 and one message naming the option and what it accepts', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['add', '--name', 'Bo', '--role', 'boss'],
        /--role is "boss"; expected agent or supervisor\. \[E_INVALID_INPUT\]/,
      ],
      [
        ['add', '--name', 'Bo', '--role', 'agent', '--capacity', 'lots'],
        /--capacity is "lots"; expected a whole number from 1 to 100/,
      ],
      [['add', '--role', 'agent'], /--name is missing; give the agent’s name/],
      [
        ['add', '--name', 'Bo', '--role', 'agent', '--capacity', '0', '--languages', 'english'],
        /The options have 2 problems:\n {2}- --languages has "english"; expected language tags[^\n]*\n {2}- --capacity is "0"/,
      ],
      [
        ['remove', 'agt_nobody'],
        /There is no agent with the id "agt_nobody"\. caredesk agents list shows their ids\. \[E_NOT_FOUND\]/,
      ],
      [['list', '-d', join(dir, 'missing')], /There is no data directory at .*missing\. Point --data-dir/],
    ];
    for (const [args, message] of cases) {
      const run = await caredesk(['agents', ...args, ...(args.includes('-d') ? [] : ['-d', dir])]);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/^caredesk: /);
      noStackTrace(run.stderr);
    }
    // Nothing half-done: the directory holds no agent and opens cleanly.
    expect(await whoHolds(dir, [])).toEqual([]);
  });
});

describe('caredesk agents, while caredesk serve owns the data directory', () => {
  let dir: string;
  let server: CaredeskProcess;
  let url: string;

  beforeAll(async () => {
    dir = await dataDir();
    server = new CaredeskProcess(['serve', '--data-dir', dir], { PORT: '0', CAREDESK_FSYNC: 'false' });
    url = await server.listening();
  });

  afterAll(async () => {
    await server.kill();
  });

  const agentsOnline = async (): Promise<string> =>
    (await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text())
      .split('\n')
      .filter((l) => l.startsWith('caredesk_agents{'))
      .join('\n');

  it('adds, lists, rotates and removes through the server, which knows at once; the directory is intact after it stops', async () => {
    const ann = await caredesk(['agents', 'add', '--name', 'Ann', '--role', 'supervisor', '-d', dir]);
    expect(ann.stderr).toBe('');
    expect(ann.status).toBe(0);
    const annId = /\((agt_\w+)\)/.exec(ann.stdout)![1]!;
    const bob = await caredesk(['agents', 'add', '--name', 'Bob', '--role', 'agent', '--skills', 'billing', '-d', dir]);
    const bobId = /\((agt_\w+)\)/.exec(bob.stdout)![1]!;
    expect(await agentsOnline()).toContain('caredesk_agents{presence="offline"} 2');

    const list = await caredesk(['agents', 'list', '-d', dir]);
    expect(list.stdout).toMatch(new RegExp(`${annId}\\s+Ann\\s+supervisor`));
    expect(list.stdout).toMatch(new RegExp(`${bobId}\\s+Bob\\s+agent\\s+offline\\s+0/5\\s+billing\\s+any`));
    expect(tokensIn(list.stdout)).toEqual([]);

    const rotated = await caredesk(['agents', 'rotate-token', annId, '-d', dir]);
    expect(rotated.status).toBe(0);
    const removed = await caredesk(['agents', 'remove', bobId, '-d', dir]);
    expect(removed.stdout).toBe(`Removed agent Bob (${bobId}).\n`);
    expect(await agentsOnline()).toContain('caredesk_agents{presence="offline"} 1');

    const unknown = await caredesk(['agents', 'rotate-token', 'bob', '-d', dir]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('There is no agent with the id "bob".');

    server.child.kill('SIGTERM');
    expect((await server.exitedWithin()).code).toBe(0);
    await expect(stat(join(dir, 'control.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    const tokens = [...tokensIn(ann.stdout), ...tokensIn(rotated.stdout), ...tokensIn(bob.stdout)];
    expect(await whoHolds(dir, tokens)).toEqual([undefined, 'Ann', undefined]);
  });

  it('after a server is killed (SIGKILL), the commands open the directory themselves and clear its stale control.json', async () => {
    const killed = new CaredeskProcess(['serve', '--data-dir', dir], { PORT: '0', CAREDESK_FSYNC: 'false' });
    await killed.listening();
    await stat(join(dir, 'control.json'));
    await killed.kill();

    const list = await caredesk(['agents', 'list', '-d', dir]);
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(/\s+Ann\s+supervisor/);
    await expect(stat(join(dir, 'control.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(join(dir, 'LOCK'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
