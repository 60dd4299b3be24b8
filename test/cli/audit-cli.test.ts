/**
 * `caredesk audit` run as a user runs it, against a real server over HTTP:
 * the filtered audit as a table and as JSON, and the refusal an agent gets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTestServer, startAdminServer, type TestAgent } from '../server/admin/helpers.js';
import { caredesk } from './run-caredesk.js';

let server: AdminTestServer;
let sue: TestAgent;
let ann: TestAgent;
let marco: string;

beforeAll(async () => {
  server = await startAdminServer();
  sue = await server.agent({ name: 'Sue', role: 'supervisor' });
  ann = await server.agent({ name: 'Ann' });
  const added = await server.call('POST', '/admin/v1/agents', {
    token: sue.token,
    body: { name: 'Marco', capacity: 3 },
  });
  marco = added.body.agent.id;
  await server.call('POST', `/admin/v1/agents/${marco}/rotate-token`, { token: sue.token });
  await server.call('PUT', `/admin/v1/agents/${marco}`, { token: sue.token, body: { capacity: 6 } });
});
afterAll(() => server.close());

// No tui.json of the machine's user is read: only what the test passes.
const audit = (args: string[], token = sue.token) =>
  caredesk(['audit', '--server', server.url, ...args], { CAREDESK_TOKEN: token, XDG_CONFIG_HOME: '/nonexistent' });

describe('caredesk audit', () => {
  it('prints the events by or about an agent, newest first, named, filtered by action', async () => {
    const run = await audit(['--agent', 'Marco', '--action', 'agent.created,agent.token_rotated']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AT\s+EVENT\s+BY\s+ON\s+DETAILS$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\s+agent\.token_rotated\s+Sue\s+agent Marco$/);
    expect(lines[2]).toMatch(/agent\.created\s+Sue\s+agent Marco\s+name=Marco role=agent$/);
    expect(run.stdout).not.toContain('agent.updated');
  });

  it('--json prints the page as the API answers it; --limit pages with a cursor', async () => {
    const run = await audit(['--agent', marco, '--json', '--limit', '2']);
    expect(run.status).toBe(0);
    const page = JSON.parse(run.stdout);
    expect(page.events.map((e: { type: string }) => e.type)).toEqual(['agent.updated', 'agent.token_rotated']);
    expect(page.events[0]).toMatchObject({ agentId: sue.id, data: { subjectId: marco, capacity: 6 } });
    const next = await audit(['--agent', marco, '--json', '--cursor', page.nextCursor]);
    expect(JSON.parse(next.stdout).events.map((e: { type: string }) => e.type)).toEqual(['agent.created']);
    const table = await audit(['--agent', marco, '--limit', '1']);
    expect(table.stdout).toContain(`Older events: the same command with --cursor ${page.events[0].seq}`);
  });

  it('an empty result says so; bad options are named, all at once', async () => {
    const none = await audit(['--conversation', 'cnv_nothing']);
    expect(none.status).toBe(0);
    expect(none.stdout).toBe('No events match.\n');
    const bad = await audit(['--since', 'last tuesday', '--limit', '0']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--since is "last tuesday"');
    expect(bad.stderr).toContain('--limit is "0"');
  });

  it('an agent who is not a supervisor is refused with the server’s reason', async () => {
    const run = await audit([], ann.token);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'caredesk audit: Only a supervisor may read the audit; ask a supervisor of your desk to do it. [E_FORBIDDEN]\n',
    );
  });
});
