import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SseClient, startAdminServer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'caredesk-admin-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const embedded = { CAREDESK_STORE: 'embedded', CAREDESK_DATA_DIR: join(dir, 'data'), CAREDESK_FSYNC: 'false' };

interface Row {
  id: string;
  mode: string;
  assignee?: string;
  slaDueAt?: string;
  placeInLine?: unknown;
  sla: Record<string, string>;
}

describe('admin API across a restart', () => {
  it('queued and assigned conversations, their SLA deadlines, tokens and the event sequence survive a restart', async () => {
    const before = await startAdminServer(embedded);
    let ann: { id: string; token: string };
    let rows: Row[];
    let assigned: Row;
    let lastSeq: number;
    try {
      ann = await before.agent({ name: 'Ann' });
      for (const user of ['r1', 'r2', 'r3']) await before.queued(user);
      const mine = await before.queued('r4');
      await before.call('POST', `/admin/v1/conversations/${mine}/claim`, { token: ann.token });
      await before.call('POST', `/admin/v1/conversations/${mine}/messages`, { token: ann.token, body: { text: 'hi' } });
      rows = (await before.call('GET', '/admin/v1/conversations', { token: ann.token })).body.conversations;
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r.slaDueAt && r.sla.firstResponseDueAt && r.sla.resolutionDueAt)).toBe(true);
      assigned = (await before.call('GET', `/admin/v1/conversations/${mine}`, { token: ann.token })).body.conversation;
      lastSeq = await before.handle.desk.store.lastEventSeq();
    } finally {
      await before.close();
    }

    const after = await startAdminServer(embedded);
    try {
      const again = (await after.call('GET', '/admin/v1/conversations', { token: ann.token })).body.conversations;
      expect(again.map((r: Row) => [r.id, r.slaDueAt, r.sla, r.placeInLine])).toEqual(
        rows.map((r) => [r.id, r.slaDueAt, r.sla, r.placeInLine]),
      );
      const mineNow = await after.call('GET', '/admin/v1/conversations?mode=agent&assignee=me', { token: ann.token });
      expect(mineNow.body.conversations.map((r: Row) => [r.id, r.assignee, r.sla])).toEqual([
        [assigned.id, ann.id, assigned.sla],
      ]);
      const detail = await after.call('GET', `/admin/v1/conversations/${assigned.id}`, { token: ann.token });
      expect(detail.body.messages.at(-1)).toMatchObject({ author: 'agent', text: 'hi' });

      // A client that saw everything before the restart resumes without a gap.
      const stream = await SseClient.open(`${after.url}/admin/v1/events`, ann.token, {
        'last-event-id': String(lastSeq - 2),
      });
      try {
        await after.call('POST', `/admin/v1/conversations/${rows[0]!.id}/claim`, { token: ann.token });
        const end = await after.handle.desk.store.lastEventSeq();
        await stream.until(() => stream.seqs.at(-1) === end, 'the events up to now');
        expect(stream.seqs).toEqual(Array.from({ length: end - lastSeq + 2 }, (_, i) => lastSeq - 1 + i));
      } finally {
        stream.close();
      }
    } finally {
      await after.close();
    }
  });
});
