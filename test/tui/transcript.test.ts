import { describe, expect, it } from 'vitest';
import type { Undelivered } from '../../tui/client.js';
import { transcriptLines } from '../../tui/widgets/transcript.js';
import { iso, message, T0 } from './helpers/fake-client.js';

const reply = message({
  id: 'm1',
  conversationId: 'c1',
  author: 'agent',
  agentId: 'ag_sam',
  direction: 'outbound',
  text: 'Your refund is done.',
  createdAt: iso(-60_000),
});

const linesWith = (u: Undelivered, width = 60) =>
  transcriptLines([reply], width, { now: T0, customerName: 'Ann', agents: new Map(), undelivered: [u] });

describe('transcript: replies not delivered', () => {
  it('a failed reply gets a red "✗ not delivered" line under its text', () => {
    const lines = linesWith({ messageId: 'm1', status: 'failed', attempts: 41, lastError: '403: Forbidden' });
    expect(lines.at(-1)).toMatchObject({ text: '  ✗ not delivered: 403: Forbidden', color: 'red' });
    expect(lines.at(-2)!.text).toBe('  Your refund is done.');
  });

  it('a reply being retried after a failure is dim, with its attempts; one simply on its way says nothing', () => {
    expect(linesWith({ messageId: 'm1', status: 'pending', attempts: 1, lastError: '502' }).at(-1)).toMatchObject({
      text: '  … retrying (1 attempt): 502',
      dim: true,
    });
    expect(linesWith({ messageId: 'm1', status: 'pending', attempts: 0 }).at(-1)!.text).toBe('  Your refund is done.');
  });

  it('a long channel answer takes at most three lines, cut with an ellipsis, each within the width', () => {
    const lines = linesWith({ messageId: 'm1', status: 'failed', attempts: 2, lastError: 'x '.repeat(500) }, 40);
    const problem = lines.filter((l) => l.color === 'red');
    expect(problem).toHaveLength(3);
    expect(problem.at(-1)!.text.endsWith('…')).toBe(true);
    for (const l of problem) expect(l.text.length).toBeLessThanOrEqual(40);
  });
});
