/**
 * The files `caredesk init` writes: a sample flow, its test, the project's
 * caredesk.config.json, a tsconfig for editors and `tsc`, and a README with
 * the next commands. The sample is the flow docs/flows.md walks through.
 */

/** `opening-hours` → `openingHoursFlow`. */
export function flowExportName(name: string): string {
  return `${name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())}Flow`;
}

export function sampleFlow(name: string): string {
  return `import { connected, defineFlow, flowTypes, handoff, quickReplies, reply, said, setup } from 'caredesk/flows';

const MENU = quickReplies('Opening hours', 'Talk to a person');

const machine = setup({
  types: flowTypes<Record<string, never>>(),
  guards: {
    connected,
    wantsHours: ({ event }) => /hour|open/i.test(said(event)),
    wantsPerson: ({ event }) => /person|human/i.test(said(event)),
  },
}).createMachine({
  id: '${name}',
  context: {},
  initial: 'greeting',
  states: {
    greeting: {
      on: {
        'customer.*': [
          // The customer's chat connecting (\`conversation.start\`) is not their first words: wait for them.
          { guard: 'connected' },
          { target: 'choosing', actions: reply('Hi! What can I do for you?', MENU) },
        ],
      },
    },
    choosing: {
      on: {
        'customer.*': [
          { guard: 'connected' },
          { guard: 'wantsHours', actions: reply('We are open Mon-Sat, 9:00-19:00.', MENU) },
          { guard: 'wantsPerson', target: 'handedOff' },
          { actions: reply('Sorry, I can tell you our opening hours or find you a person.', MENU) },
        ],
      },
    },
    handedOff: {
      entry: [
        reply(({ event }) => \`A person will be with you in about \${event.env.wait.minutes} minutes.\`),
        handoff({ reason: 'customer asked for a person', topic: 'shop' }),
      ],
      on: { 'agent.handback': { target: 'choosing', actions: reply('I am back. Anything else?', MENU) } },
    },
  },
});

export const ${flowExportName(name)} = defineFlow({
  name: '${name}',
  description: 'Tells the opening hours, hands off on request.',
  machine,
  // Sample inputs: the every-path test tries each of them in every state.
  samples: { texts: ['hi', 'opening hours', 'a person please', 'banana'], actions: ['conversation.start'] },
});
`;
}

export function sampleTest(name: string): string {
  const flow = flowExportName(name);
  return `import { chatWith, type FlowChat, testEveryPath } from 'caredesk/testing';
import { afterEach, expect, it } from 'vitest';
import { ${flow} } from './${name}.js';

let chat: FlowChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

it('a customer who asks for the opening hours is told them', async () => {
  chat = await chatWith(${flow});
  await chat.connect();
  await chat.expectSilence();
  await chat.say('hi');
  await chat.expectReply(/what can I do for you/i);
  await chat.press('Opening hours');
  await chat.expectReply(/open Mon-Sat/);
});

it('a customer who asks for a person is handed off with the expected wait', async () => {
  chat = await chatWith(${flow});
  await chat.say('hi');
  await chat.press('Talk to a person');
  await chat.expectHandoff({ topic: 'shop' });
  await chat.expectReply(/about 4 minutes/);
});

it('a person takes over and hands back; the bot asks whether there is anything else', async () => {
  chat = await chatWith(${flow});
  await chat.say('hi');
  await chat.press('Talk to a person');
  await chat.personTakesOver();
  await chat.handBack();
  await chat.expectReply(/anything else/i);
});

it('every path ends in a reply, a handoff or a resolution', () => {
  expect(testEveryPath(${flow}).paths).toBeGreaterThan(3);
});
`;
}

export function projectConfig(name: string): string {
  const config = {
    flows: {
      files: { [name]: `flows/${name}.ts` },
      default: name,
      channels: {},
      care: true,
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    },
    include: ['flows'],
  },
  null,
  2,
)}\n`;

export function projectReadme(name: string): string {
  return `# caredesk flows

This project holds the conversation flows of a caredesk desk. \`flows/${name}.ts\`
is a sample flow; \`caredesk.config.json\` names the project's flows and says
which one starts the conversations of each channel (\`"channels": { "telegram": "care" }\`),
which one the others (\`"default"\`), and whether caredesk's own care flow stays on (\`"care"\`).

## Next commands

\`\`\`sh
npx caredesk chat --flow ${name}      # talk to the flow in this terminal (Ctrl-D leaves)
npx vitest run                        # run the flow's tests (flows/${name}.test.ts)
npx tsc                               # type-check the flows
npx caredesk flows draw ${name}       # the flow as a Mermaid state diagram
npx caredesk dev                      # a server with these flows, reloading a flow when its file changes
npx caredesk serve                    # the desk with these flows (http://127.0.0.1:3978)
\`\`\`

A new flow is a file in \`flows/\` that exports \`defineFlow({ name, description, machine })\`,
plus its name and file under \`"files"\` in \`caredesk.config.json\`.
How to write, test, draw and version flows: \`node_modules/caredesk/docs/flows.md\`.
`;
}
