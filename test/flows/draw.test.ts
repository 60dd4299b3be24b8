import { describe, expect, it } from 'vitest';
import { and, not, setup } from 'xstate';
import { careFlow } from '../../flows/care/flow.js';
import { openingHoursFlow } from '../../flows/examples/opening-hours.js';
import { flowTypes, said } from '../../flows/kit/define.js';
import { drawFlow } from '../../flows/kit/draw.js';
import { reply } from '../../flows/kit/effects.js';

const numberMachine = setup({
  types: flowTypes<Record<string, never>>(),
  guards: {
    isNumber: ({ event }) => /^\d+$/.test(said(event)),
    isZero: ({ event }) => said(event) === '0',
  },
}).createMachine({
  id: 'numbers',
  context: {},
  initial: 'askingNumber',
  states: {
    askingNumber: {
      on: {
        'customer.*': [
          { guard: and(['isNumber', not('isZero')]), target: 'checking' },
          { actions: reply('That is not a number; which one?') },
        ],
      },
    },
    checking: {
      initial: 'first',
      states: {
        first: { on: { 'customer.message': { guard: 'isNumber', target: 'second' } } },
        second: { type: 'final' },
      },
      onDone: 'done',
    },
    done: { type: 'final' },
  },
});

describe('caredesk flows draw', () => {
  it('names each guard on its arrow, and an unguarded fallback after guarded ones as [else]', () => {
    const mermaid = drawFlow(openingHoursFlow.machine);
    expect(mermaid).toContain('choosing --> askingAnythingElse : customer.* [wantsHours]');
    expect(mermaid).toContain('askingAnythingElse --> done : customer.* [saysNo]');
    expect(mermaid).toContain('askingAnythingElse --> choosing : customer.* [else]');
    expect(drawFlow(careFlow.machine)).not.toContain('[guarded]');
  });

  it('an inline guard function has no name to show: it is drawn as [guarded]', () => {
    expect(drawFlow(openingHoursFlow.machine)).toContain(
      'askingAnythingElse --> askingAnythingElse : timer.fired [guarded]',
    );
  });

  it('spells out combined guards', () => {
    expect(drawFlow(numberMachine)).toContain('askingNumber --> checking : customer.* [and(isNumber, not(isZero))]');
  });

  it('a transition without a target ("not a number, asked again") is a labelled self-loop', () => {
    expect(drawFlow(numberMachine)).toContain('askingNumber --> askingNumber : customer.* [else]');
    expect(drawFlow(careFlow.machine)).toContain(
      'confirmingResolution --> confirmingResolution : timer.fired [remindDue]',
    );
  });

  it('a state with states inside is drawn as a composite state with its initial arrow, in Mermaid', () => {
    const mermaid = drawFlow(careFlow.machine);
    expect(mermaid).toContain('handedOff --> surveying : conversation.resolved');
    expect(mermaid).toContain('surveying --> closed : done');
    const survey = mermaid.slice(mermaid.indexOf('  state surveying {'));
    expect(survey).toMatch(
      /^ {2}state surveying \{\n {4}\[\*\] --> surveying_askingSatisfaction\n {4}surveying_askingSatisfaction --> surveying_askingSatisfaction : customer\.\* \[joined\]\n/,
    );
    expect(survey).toContain('    surveying_askingSatisfaction --> surveying_askingEffort : customer.* [isRating]');
    expect(survey).toContain('    surveying_askingEffort --> surveying_thanked : customer.* [isRating]');
    expect(survey).toMatch(/ {4}surveying_thanked --> \[\*\]\n {2}\}\n/);
  });

  it('a state with states inside is a cluster in dot: arrows into it reach its initial state', () => {
    const dot = drawFlow(numberMachine, 'dot');
    expect(dot).toMatch(/^digraph numbers \{\n {2}rankdir=LR;\n {2}compound=true;/);
    expect(dot).toContain('  __start -> askingNumber;');
    expect(dot).toContain('  subgraph cluster_checking {\n    label="checking";\n    checking__start [shape=point];\n');
    expect(dot).toContain('    checking__start -> checking_first;');
    expect(dot).toContain('    checking_second [shape=doublecircle];');
    expect(dot).toContain(
      '  askingNumber -> checking__start [label="customer.* [and(isNumber, not(isZero))]", lhead=cluster_checking];',
    );
    expect(dot).toContain('  askingNumber -> askingNumber [label="customer.* [else]"];');
    expect(dot).toContain('  checking_first -> checking_second [label="customer.message [isNumber]"];');
    expect(dot).toContain('  checking__start -> done [label="done", ltail=cluster_checking];');
  });
});
