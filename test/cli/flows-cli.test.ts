import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/caredesk.js', import.meta.url));
const run = (args: string[], input = '') =>
  spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '' },
  });

describe('the flow developer’s commands', () => {
  it('caredesk chat --flow care: a person types, sees the answer, presses a number and sees the handoff', () => {
    const r = run(['chat', '--flow', 'care'], 'my internet is slow\n2\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/bot> Thanks for your message/);
    expect(r.stdout).toMatch(/\[1\] Yes\n {2}\[2\] No/);
    expect(r.stdout).toMatch(/\[handoff: reason=.*topic=network, language=en[,\]]/);
  });

  it('caredesk flows draw prints a Mermaid diagram, or dot, and names the known flows for a wrong name', () => {
    const mermaid = run(['flows', 'draw', 'care']);
    expect(mermaid.stdout).toMatch(/^stateDiagram-v2\n {2}\[\*\] --> awaitingFirstMessage/);
    expect(mermaid.stdout).toContain('handedOff --> awaitingQuestion : agent.handback');
    const dot = run(['flows', 'draw', 'care', '--format', 'dot']);
    expect(dot.stdout).toMatch(/^digraph care \{/);
    const wrong = run(['flows', 'draw', 'nope']);
    expect(wrong.status).toBe(1);
    // Whatever else is registered, the known flows are named.
    expect(wrong.stderr).toMatch(/Known flows: (.*, )?care, (.*, )?opening-hours/);
  });

  it('caredesk flows draw names the guards, shows a transition that stays as a self-loop, and draws into the survey', () => {
    const mermaid = run(['flows', 'draw', 'care']).stdout;
    expect(mermaid).toContain('confirmingResolution --> surveying : customer.* [saysYes]');
    expect(mermaid).not.toContain('[guarded]');
    expect(mermaid).toContain('confirmingResolution --> confirmingResolution : timer.fired [remindDue]');
    expect(mermaid).toMatch(/ {2}state surveying \{\n {4}\[\*\] --> surveying_askingSatisfaction\n/);
    const dot = run(['flows', 'draw', 'care', '--format', 'dot']).stdout;
    expect(dot).toContain('surveying__start -> surveying_askingSatisfaction;');
    expect(dot).toContain('handedOff -> surveying__start [label="conversation.resolved", lhead=cluster_surveying];');
  });
});
