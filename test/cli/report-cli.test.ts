import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore, ManualClock } from '../../core/index.js';
import { setup } from '../core/queue/helpers.js';
import { CaredeskProcess } from '../e2e/helpers/caredesk-process.js';
import { caredesk } from './run-caredesk.js';

const MIN = 60_000;
let root: string;
let dir: string;

/**
 * Two days ago, on a real data directory: three Telegram customers (Ann
 * answers two after 2 and 4 minutes, the third is closed without a human)
 * and one on the dev chat (Bob answers after 10 minutes); CSAT 5, 4 and 1.
 */
async function seed(): Promise<void> {
  const store = new EmbeddedStore(dir, { fsync: false });
  const clock = new ManualClock(new Date(Date.now() - 2 * 86_400_000));
  const s = await setup({}, store, clock);
  const ann = await s.agent('Ann', { role: 'supervisor' });
  const bob = await s.agent('Bob');
  const survey = (conversationId: string, question: string, score: number) =>
    s.desk.store.commit({
      events: [{ type: 'survey.answered', at: clock.now().toISOString(), conversationId, data: { question, score } }],
    });
  const humanCase = async (user: string, channel: 'telegram' | 'devchat', agent: string, waitMin: number) => {
    const id = await s.say(user, 'I need help', channel);
    await s.human.handoff(id);
    await s.human.claim(id, agent);
    clock.advance(waitMin * MIN);
    await s.human.reply(id, agent, 'Hello, how can I help?');
    clock.advance(5 * MIN);
    await s.human.resolve(id, agent);
    return id;
  };
  await survey(await humanCase('u1', 'telegram', ann, 2), 'csat', 5);
  await survey(await humanCase('u2', 'telegram', ann, 4), 'csat', 4);
  await s.human.resolve(await s.say('u3', 'opening hours?', 'telegram'), ann);
  const dev = await humanCase('u4', 'devchat', bob, 10);
  await survey(dev, 'csat', 1);
  await survey(dev, 'effort', 2);
  await s.desk.idle();
  await store.close();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'caredesk-report-'));
  dir = join(root, 'data');
  await seed();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const report = (...args: string[]) => caredesk(['report', '--data-dir', dir, ...args]);
const row = (table: string, label: string): string[] =>
  table
    .split('\n')
    .find((l) => l.startsWith(label))!
    .slice(24)
    .trim()
    .split(/\s{2,}/);

describe('caredesk report', () => {
  it('a table for 80 columns: one column per channel and one for all, with times and rates as people read them', async () => {
    const run = await report('--since', '7d');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const table = run.stdout;
    expect(table).toMatch(
      /^KPIs of conversations opened since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(last 7d\), by channel\n/,
    );
    for (const line of table.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(row(table, '  ')).toEqual(['devchat', 'telegram', 'all']);
    expect(row(table, 'Conversations')).toEqual(['1', '3', '4']);
    expect(row(table, 'First response, median')).toEqual(['10m 00s', '2m 00s', '4m 00s']);
    expect(row(table, 'First response, p90')).toEqual(['10m 00s', '4m 00s', '10m 00s']);
    expect(row(table, 'Average handle time')).toEqual(['15m 00s', '8m 00s', '10m 20s']);
    expect(row(table, 'SLA compliance')).toEqual(['100.0%', '100.0%', '100.0%']);
    expect(row(table, 'Resolved')).toEqual(['1', '3', '4']);
    expect(row(table, 'Bot containment')).toEqual(['0.0%', '33.3%', '25.0%']);
    expect(row(table, 'Handoff rate')).toEqual(['100.0%', '66.7%', '75.0%']);
    expect(row(table, 'Reopen rate')).toEqual(['0.0%', '0.0%', '0.0%']);
    expect(row(table, 'CSAT, average')).toEqual(['1.00', '4.50', '3.33']);
    expect(row(table, '  CSAT 5')).toEqual(['0', '1', '1']);
    expect(row(table, '  CSAT 1')).toEqual(['1', '0', '1']);
    expect(row(table, 'Customer effort, average')).toEqual(['2.00', '-', '2.00']);
  });

  it('per agent: columns named after the agents, "bot" for the case no person owned', async () => {
    const table = (await report('--by', 'agent')).stdout;
    expect(row(table, '  ')).toEqual(['Ann', 'Bob', 'bot', 'all']);
    expect(row(table, 'First response, median')).toEqual(['2m 00s', '10m 00s', '-', '4m 00s']);
    expect(row(table, 'CSAT answers')).toEqual(['2', '1', '0', '3']);
  });

  it('CSV: a header and one row per group, times in seconds and rates in percent', async () => {
    const run = await report('--format', 'csv', '--by', 'agent');
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    const columns = header!.split(',');
    expect(columns.slice(0, 5)).toEqual([
      'agent_id',
      'agent_name',
      'conversations',
      'first_response_median_s',
      'first_response_p90_s',
    ]);
    const records = rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [columns[i], v])));
    expect(records.map((r) => r.agent_name)).toEqual(['Ann', 'Bob', 'bot']);
    expect(records[0]).toMatchObject({
      conversations: '2',
      first_response_median_s: '120',
      first_response_p90_s: '240',
      average_handle_s: '480',
      sla_compliance_pct: '100',
      csat_average: '4.5',
      csat_5: '1',
      csat_4: '1',
      effort_average: '',
    });
    expect(records[2]).toMatchObject({ agent_id: 'bot', conversations: '1', bot_containment_pct: '100' });
  });

  it('JSON: the figures as computed, the same whether read directly or through a running server', async () => {
    const direct = JSON.parse((await report('--format', 'json')).stdout);
    expect(direct.by).toBe('channel');
    expect(direct.groups.telegram).toMatchObject({
      conversations: 3,
      firstResponseMs: { median: 2 * MIN, p90: 4 * MIN, count: 2 },
      averageHandleMs: 8 * MIN,
      csat: { average: 4.5, count: 2, distribution: { '4': 1, '5': 1 } },
      botContainment: 1 / 3,
    });
    expect(direct.all.conversations).toBe(4);

    const server = new CaredeskProcess(['serve', '--data-dir', dir], { PORT: '0', CAREDESK_FSYNC: 'false' });
    try {
      await server.listening();
      const through = JSON.parse((await report('--format', 'json')).stdout);
      expect({ ...through, now: undefined, since: undefined }).toEqual({ ...direct, now: undefined, since: undefined });
    } finally {
      server.child.kill('SIGTERM');
      await server.exitedWithin();
    }
  });

  it('an empty window says so; a wrong option names the option and what it accepts', async () => {
    const empty = await report('--since', '1m');
    expect(empty.status).toBe(0);
    expect(empty.stdout).toContain('No conversations were opened in this window.');
    const csv = await report('--since', '1m', '--format', 'csv');
    expect(csv.stdout).toMatch(/^channel,conversations,first_response_median_s,[^\n]*\n$/);

    const bad = await report('--since', 'last week', '--format', 'pdf');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--since is "last week"; expected a duration back from now (30m, 12h, 7d, 4w)');
    expect(bad.stderr).toContain('--format is "pdf"; expected table, csv or json');
    expect(bad.stderr).not.toMatch(/^\s+at /m);
    const future = await report('--since', '2999-01-01');
    expect(future.stderr).toContain('which is in the future');
  });
});
