/**
 * `caredesk agents add | list | remove | rotate-token`: the team, from the
 * command line. A token is printed once, when it is made; the store keeps
 * only its hash. The first supervisor is created this way.
 */
import { Command } from 'commander';
import { type AgentView, CaredeskError, InvalidInputError, type NewAgent } from '../../core/index.js';
import type { DeskOperations } from '../../server/control/index.js';
import { type DeskFlags, helpAboutDataDir, inputProblems, withDesk, withDeskOptions } from './desk-options.js';

const ROLES = ['agent', 'supervisor'] as const;
const SKILL = /^[\p{L}\p{N}_.-]{1,64}$/u;
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/;

interface AddFlags extends DeskFlags {
  name?: string;
  role?: string;
  skills?: string;
  languages?: string;
  capacity?: string;
  json?: boolean;
}

interface OutputFlags extends DeskFlags {
  json?: boolean;
}

const out = (text: string): void => {
  process.stdout.write(text);
};

export function agentsCommand(): Command {
  const agents = new Command('agents')
    .description('The team: add agents and supervisors, list them, remove them, give them a new token.')
    .addHelpText(
      'after',
      `
The first supervisor of a new desk is made here (the admin API needs a token):

  caredesk agents add --name "Ann Smith" --role supervisor
${helpAboutDataDir}`,
    );

  withDeskOptions(
    agents
      .command('add')
      .description('Add an agent or a supervisor and print their token (shown this once).')
      .option('--name <name>', 'the name the team and the TUI show (required)')
      .option('--role <role>', 'agent or supervisor (required); supervisors may take over, reassign and manage')
      .option('--skills <list>', 'what they handle, comma-separated, e.g. billing,tech (routing matches these)')
      .option('--languages <list>', 'languages they answer in, comma-separated, e.g. en,it (none: any)')
      .option('--capacity <n>', 'conversations they handle at once, 1–100 (default 5)')
      .option('--json', 'print {"agent": …, "token": …} as JSON'),
  ).action(async (flags: AddFlags) => {
    const input = parseNewAgent(flags);
    const { agent, token } = await withDesk(flags, { create: true }, (ops) => ops.createAgent(input));
    if (flags.json) return out(`${JSON.stringify({ agent, token }, null, 2)}\n`);
    out(`Added ${agent.role} ${agent.name} (${agent.id}).\n`);
    out(showToken(agent.name, token, agent.id));
  });

  withDeskOptions(
    agents
      .command('list')
      .description('List the agents: role, presence, load, skills and languages (never their tokens).')
      .option('--json', 'print the list as JSON'),
  ).action(async (flags: OutputFlags) => {
    const list = await withDesk(flags, {}, (ops) => ops.listAgents());
    if (flags.json) return out(`${JSON.stringify(list, null, 2)}\n`);
    if (list.length === 0) {
      return out('No agents yet. Add the first supervisor: caredesk agents add --name NAME --role supervisor\n');
    }
    out(agentTable(list));
  });

  withDeskOptions(
    agents
      .command('remove')
      .description('Remove an agent: their token stops working and their conversations go back to the queue.')
      .argument('<id>', 'the agent’s id (caredesk agents list shows it)'),
  ).action(async (id: string, flags: DeskFlags) => {
    const { agent } = await withDesk(flags, {}, (ops) => orHint(ops, id, () => ops.removeAgent(id)));
    const requeued =
      agent.load > 0 ? ` Their ${agent.load} conversation${agent.load > 1 ? 's' : ''} went back to the queue.` : '';
    out(`Removed ${agent.role} ${agent.name} (${agent.id}).${requeued}\n`);
  });

  withDeskOptions(
    agents
      .command('rotate-token')
      .description('Give an agent a new token (printed once); the old one stops working at once.')
      .argument('<id>', 'the agent’s id (caredesk agents list shows it)')
      .option('--json', 'print {"agent": …, "token": …} as JSON'),
  ).action(async (id: string, flags: OutputFlags) => {
    const { agent, token } = await withDesk(flags, {}, (ops) => orHint(ops, id, () => ops.rotateToken(id)));
    if (flags.json) return out(`${JSON.stringify({ agent, token }, null, 2)}\n`);
    out(`New token for ${agent.name} (${agent.id}); the old one no longer works.\n`);
    out(showToken(agent.name, token, agent.id));
  });

  return agents;
}

/** Every problem with the options at once, each naming the option and what it accepts. */
export function parseNewAgent(flags: AddFlags): NewAgent {
  const problems: string[] = [];
  const name = flags.name?.trim() ?? '';
  if (name === '') problems.push('--name is missing; give the agent’s name, e.g. --name "Ann Smith"');
  else if (name.length > 128) problems.push(`--name is ${name.length} characters long; expected at most 128`);

  const role = ROLES.find((r) => r === flags.role);
  if (flags.role === undefined) problems.push('--role is missing; expected agent or supervisor');
  else if (!role) problems.push(`--role is ${JSON.stringify(flags.role)}; expected agent or supervisor`);

  const skills = commaList(flags.skills);
  const badSkill = skills.find((s) => !SKILL.test(s));
  if (badSkill !== undefined) {
    problems.push(
      `--skills has ${JSON.stringify(badSkill)}; expected names of letters, digits, "-", "_" or "." (up to 64 characters) separated by commas, e.g. --skills billing,tech`,
    );
  } else if (skills.length > 64) problems.push(`--skills lists ${skills.length} skills; expected at most 64`);

  const languages = commaList(flags.languages);
  const badLanguage = languages.find((l) => !LANGUAGE.test(l));
  if (badLanguage !== undefined) {
    problems.push(
      `--languages has ${JSON.stringify(badLanguage)}; expected language tags separated by commas, e.g. --languages en,it,pt-BR`,
    );
  } else if (languages.length > 32) problems.push(`--languages lists ${languages.length}; expected at most 32`);

  let capacity = 5;
  if (flags.capacity !== undefined) {
    capacity = /^\s*\d+\s*$/.test(flags.capacity) ? Number(flags.capacity) : Number.NaN;
    if (!(capacity >= 1 && capacity <= 100)) {
      problems.push(
        `--capacity is ${JSON.stringify(flags.capacity)}; expected a whole number from 1 to 100 (conversations at once)`,
      );
    }
  }
  const error = inputProblems(problems);
  if (error) throw error;
  return { name, role: role!, skills, languages, capacity };
}

const commaList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function showToken(name: string, token: string, id: string): string {
  return [
    '',
    `Token for ${name}, shown this once (caredesk keeps only its hash):`,
    '',
    `  ${token}`,
    '',
    `If it is lost, make a new one: caredesk agents rotate-token ${id}`,
    '',
  ].join('\n');
}

function agentTable(agents: readonly AgentView[]): string {
  const header = ['ID', 'NAME', 'ROLE', 'PRESENCE', 'LOAD', 'SKILLS', 'LANGUAGES'];
  const rows = agents.map((a) => [
    a.id,
    a.name,
    a.role,
    a.presence,
    `${a.load}/${a.capacity}`,
    a.skills.join(',') || '-',
    a.languages.join(',') || 'any',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) => `${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd())
    .join('\n')
    .concat('\n');
}

/** An unknown id, said with the list at hand: often a name was typed instead of the id. */
async function orHint<T>(ops: DeskOperations, id: string, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (err) {
    if (!(err instanceof CaredeskError) || err.code !== 'E_NOT_FOUND') throw err;
    const named = (await ops.listAgents()).filter((a) => a.name.toLowerCase().includes(id.toLowerCase()));
    const hint =
      named.length === 1 ? ` ${named[0]!.name}’s id is ${named[0]!.id}.` : ' caredesk agents list shows their ids.';
    throw new InvalidInputError(`There is no agent with the id ${JSON.stringify(id)}.${hint}`, { id }, 'E_NOT_FOUND');
  }
}
